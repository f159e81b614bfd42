import type { Appointment, Procedure, ServiceRequest } from 'fhir/r4.js';
import type { PooledResource } from '../fhir/resource-index.js';
import { datePart, daysBetween } from '../dates.js';
import type { SurgeryFacts } from '../workup/types.js';
import { type GatherContext, referringVia } from './context.js';
import { isDonorSurgeryCode } from './find-donors.js';

const BOOKED_ORDER = new Set(['active', 'on-hold', 'completed']);
const LIVE_APPOINTMENT = new Set(['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'checked-in', 'waitlist']);

/**
 * The planned donor surgery: a ServiceRequest (or the draft order being signed), an Appointment for
 * it, or the Procedure once done. `draftOrders` come from CDS Hooks order-sign and count as booked.
 */
export function surgeryFacts(ctx: GatherContext, draftOrders: readonly PooledResource[]): SurgeryFacts {
  const { index, donor, asOf } = ctx;
  const orders = referringVia(ctx, donor, 'ServiceRequest', (r: ServiceRequest) => r.subject).filter((e) =>
    isDonorSurgeryCode((e.resource as ServiceRequest).code),
  );
  const drafts = draftOrders.filter((e) => e.resource.resourceType === 'ServiceRequest' && isDonorSurgeryCode(e.resource.code));
  const booked = orders.filter((e) => BOOKED_ORDER.has((e.resource as ServiceRequest).status));
  const appointments = referringVia(ctx, donor, 'Appointment', (r: Appointment) => r.participant?.map((p) => p.actor ?? {})).filter((e) => {
    const a = e.resource as Appointment;
    if (!LIVE_APPOINTMENT.has(a.status)) return false;
    const basedOnSurgery = (a.basedOn ?? []).some((ref) => {
      const sr = index.resolve(ref, e);
      return sr?.resource.resourceType === 'ServiceRequest' && isDonorSurgeryCode(sr.resource.code);
    });
    return basedOnSurgery || (a.serviceType ?? []).some((t) => isDonorSurgeryCode(t)) || isDonorSurgeryCode(a.appointmentType);
  });
  const procedures = referringVia(ctx, donor, 'Procedure', (r: Procedure) => r.subject).filter((e) =>
    isDonorSurgeryCode((e.resource as Procedure).code),
  );

  const source = drafts[0] ?? booked[0] ?? appointments[0] ?? procedures[0] ?? orders[0];
  let date: string | null = null;
  let bookedOn: string | null = null;
  if (source) {
    const r = source.resource;
    if (r.resourceType === 'ServiceRequest') {
      date = datePart(r.occurrenceDateTime ?? r.occurrencePeriod?.start);
      bookedOn = datePart(r.authoredOn);
    } else if (r.resourceType === 'Appointment') {
      date = datePart(r.start);
      bookedOn = datePart(r.created);
    } else if (r.resourceType === 'Procedure') {
      date = datePart(r.performedDateTime ?? r.performedPeriod?.start);
    }
  }
  // An appointment may carry the date when the order does not.
  date ??= datePart(appointments.map((e) => (e.resource as Appointment).start).find((s) => s !== undefined));
  const isBooked = drafts.length > 0 || booked.length > 0 || appointments.length > 0;
  if (!date) ctx.notChecked.push('planned surgery date: none recorded (no donor-surgery order, appointment or procedure with a date)');
  return {
    booked: isBooked,
    ordering: drafts.length > 0,
    date,
    ref: source ? index.keyOf(source) : null,
    bookedOn: isBooked ? bookedOn : null,
    untilSurgeryDays: daysBetween(asOf, date),
  };
}
