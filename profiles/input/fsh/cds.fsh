// Codes the CDS Hooks service emits: card override reasons and the AuditEvent recording card feedback.

CodeSystem: OverrideReasonCodeSystem
Id: override-reason
Title: "DonorGuard Override Reason"
Description: "Why a clinician overrode a DonorGuard card (CDS Hooks 2.0 overrideReasons). Recorded with the feedback AuditEvent so a compliance officer can see who overrode which indicator and why."
* insert DonorGuardCodeSystem(override-reason)
* #relationship-verified-by-assessor "Relationship verified by the independent assessor" "The independent assessor or advocate has verified the donor-recipient relationship."
* #reimbursement-itemised "Reimbursement itemised and paid through the programme" "Donor expenses are itemised and paid through the programme's own channels."
* #reviewed-by-compliance "Reviewed by compliance or the ethics committee" "Compliance or the ethics committee has reviewed the indicator."
* #interpreter-independent-confirmed "A professional interpreter independent of both parties is confirmed" "A professional interpreter independent of donor and recipient is confirmed for the assessments."
* #not-applicable "Not applicable to this donor (say why in the comment)" "The indicator does not apply to this donor; the reason is in the clinician's comment."

ValueSet: OverrideReasonValueSet
Id: override-reason
Title: "DonorGuard Override Reason"
Description: "All codes of the DonorGuard override-reason CodeSystem."
* insert DonorGuardValueSet
* include codes from system http://donorguard.org/fhir/CodeSystem/override-reason

CodeSystem: AuditEventTypeCodeSystem
Id: audit-event-type
Title: "DonorGuard Audit Event Type"
Description: "Types of the AuditEvents DonorGuard writes."
* insert DonorGuardCodeSystem(audit-event-type)
* #cds-feedback "CDS Hooks card feedback" "A clinician accepted or overrode a DonorGuard card."

CodeSystem: CdsFeedbackOutcomeCodeSystem
Id: cds-feedback-outcome
Title: "DonorGuard CDS Feedback Outcome"
Description: "The outcome of a CDS Hooks card, as reported to the feedback endpoint."
* insert DonorGuardCodeSystem(cds-feedback-outcome)
* #accepted "Card accepted" "The clinician accepted the card or one of its suggestions."
* #overridden "Card overridden" "The clinician overrode the card, with a reason."
