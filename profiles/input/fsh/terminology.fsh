// DonorGuard CodeSystems and their all-codes ValueSets (input contract: workup-in-fhir.md).
// The red-flag CodeSystem is NOT defined here: the lead generates it from the rules into
// profiles/generated/CodeSystem-red-flag.json. Only its ValueSet is defined here.

RuleSet: DonorGuardCodeSystem(id)
* ^status = #active
* ^experimental = false
* ^publisher = "DonorGuard"
* ^caseSensitive = true
* ^content = #complete
* ^valueSet = "http://donorguard.org/fhir/ValueSet/{id}"

RuleSet: DonorGuardValueSet
* ^status = #active
* ^experimental = false
* ^publisher = "DonorGuard"

// ---------------------------------------------------------------------------------------------------------------
CodeSystem: WorkupCodeSystem
Id: workup
Title: "DonorGuard Living-Donor Workup Codes"
Description: "Codes for the facts of a living-donor workup that no standard code system covers: the evaluation episode, the planned surgery, tissue typing and kinship results, consent category, interpreter qualification, travel, follow-up, money and the organisation types DonorGuard recognises."
* insert DonorGuardCodeSystem(workup)
* #living-donor-evaluation "Living-donor evaluation" "An episode of care in which a person is assessed as a potential living organ donor (EpisodeOfCare.type). Its patient is the donor candidate."
* #living-donor-nephrectomy "Living-donor nephrectomy" "Removal of a kidney from a living donor for transplantation (ServiceRequest, Appointment or Procedure code)."
* #living-donor-hepatectomy "Living-donor partial hepatectomy" "Removal of part of the liver from a living donor for transplantation (ServiceRequest, Appointment or Procedure code)."
* #hla-haplotypes-shared "HLA haplotypes shared with the intended recipient" "Number of HLA haplotypes (0, 1 or 2) that the donor shares with the recipient named in Observation.focus, from tissue typing (Observation.valueInteger)."
* #kinship-test-result "Kinship DNA test result" "Result of an accredited DNA test of the claimed biological relationship (Observation code; valueCodeableConcept is consistent, excluded or inconclusive)."
* #consistent "Consistent with the claimed relationship" "The kinship test result supports the claimed biological relationship."
* #excluded "Claimed relationship excluded" "The kinship test result rules out the claimed biological relationship."
* #inconclusive "Kinship test inconclusive" "The kinship test neither supports nor rules out the claimed biological relationship."
* #living-organ-donation "Living organ donation consent" "Consent category for a living donor's consent to organ donation (with LOINC 59284-0)."
* #medical-interpreter "Qualified medical interpreter" "Practitioner qualification: a trained professional medical interpreter."
* #entry-to-country "Entry into the country" "Observation of the donor's arrival in the country of the transplant centre: effectiveDateTime is the arrival, valueCodeableConcept the country of departure (ISO 3166)."
* #visa-type "Visa type" "Component of an entry-to-country Observation: the kind of visa the donor entered on (e.g. medical, visitor, donor), coded or as text."
* #post-donation-follow-up "Post-donation follow-up" "CarePlan category for the donor's follow-up care after donation, including care in the donor's home country."
* #immigration-status "Immigration status" "Observation of the donor's immigration or residence status, coded or as text."
* #donor-expense-reimbursement "Donor expense reimbursement" "Claim type for reimbursement of a living donor's itemised expenses."
* #facilitator-agency "Medical-tourism facilitator agency" "Organization type: a commercial agency that arranges transplant travel, packages or donors for patients."
* #exchange-programme "Paired-exchange programme" "Organization type: a national or regional kidney paired-exchange scheme. Allow-listed: arrangements it makes are programme arrangements, not third-party ones."
* #charity "Charity" "Organization type: a registered charity, such as a patient or donor support charity. Allow-listed for travel, lodging and payment rules."
* #donor-hostel "Donor or patient hostel" "Organization type: a hospital hostel or charity housing for patients, donors and families. Allow-listed for lodging rules."

ValueSet: WorkupValueSet
Id: workup
Title: "DonorGuard Living-Donor Workup Codes"
Description: "All codes of the DonorGuard workup CodeSystem."
* insert DonorGuardValueSet
* include codes from system $workup

// ---------------------------------------------------------------------------------------------------------------
CodeSystem: EvaluationTypeCodeSystem
Id: evaluation-type
Title: "DonorGuard Donor Evaluation Types"
Description: "Kinds of evaluation of a living-donor candidate, used as Encounter.type. An Encounter typed from this system is an evaluation; an untyped visit (scheduling, logistics) is not."
* insert DonorGuardCodeSystem(evaluation-type)
* #psychosocial "Psychosocial evaluation" "Assessment of the donor's motivation, capacity, relationship to the recipient, finances and freedom from coercion by a social worker, psychologist or psychiatrist."
* #independent-advocate "Independent living donor advocate evaluation" "Evaluation by an independent living donor advocate (ILDA) who is independent of the recipient's team."
* #independent-assessor "Independent assessor interview" "Interview by an independent assessor acting for a regulator (e.g. the UK Human Tissue Authority), seeing donor and recipient separately and together."
* #authorisation-committee "Authorisation committee interview" "Hearing before a hospital or state authorisation committee that approves living donation (e.g. India's Authorisation Committee)."
* #medical "Medical evaluation" "Medical and surgical assessment of the donor's fitness to donate."
* #consent-discussion "Consent discussion" "Encounter in which the donation, its risks and the right to withdraw are explained and consent is taken."
* #donor-education "Donor education session" "Education about donation, its risks and alternatives, with teach-back."

ValueSet: EvaluationTypeValueSet
Id: evaluation-type
Title: "DonorGuard Donor Evaluation Types"
Description: "All codes of the DonorGuard evaluation-type CodeSystem."
* insert DonorGuardValueSet
* include codes from system $evaluation-type

// ---------------------------------------------------------------------------------------------------------------
CodeSystem: EvidenceTypeCodeSystem
Id: evidence-type
Title: "DonorGuard Evidence Types"
Description: "Types of DocumentReference that evidence a living-donor workup: proof of the claimed relationship, identity documents, signed declarations and consents, reports and approvals."
* insert DonorGuardCodeSystem(evidence-type)
* #birth-certificate "Birth certificate" "A civil birth record, evidence of parentage or siblinghood."
* #marriage-certificate "Marriage certificate" "A civil marriage or partnership record."
* #household-registration "Household registration" "A household or family register (e.g. hukou, koseki, family book) listing the members of a family."
* #court-document "Court document" "A court order or judgment bearing on the relationship (e.g. adoption). Restates a claim unless verified at source."
* #affidavit "Affidavit" "A sworn statement of the relationship. Restates the claim; it does not verify it."
* #embassy-certification "Embassy or consular certification" "Certification by an embassy or consulate of a foreign document or of the relationship."
* #photographs "Photographs" "Photographs offered as evidence of a shared history. Weak evidence."
* #kinship-dna-test "Kinship DNA test report" "Report of an accredited DNA test of the claimed biological relationship."
* #identity-document "Identity document" "A passport, national identity card or other identity document of the donor."
* #no-reward-declaration "No-reward declaration" "The donor's signed declaration that no reward has been offered, given or received for the donation."
* #signed-donation-consent "Signed donation consent" "The donor's signed consent form for living organ donation."
* #independent-assessor-report "Independent assessor report" "Report of an independent assessor's interviews (e.g. for the UK Human Tissue Authority)."
* #advocate-report "Independent living donor advocate report" "Report of the independent living donor advocate."
* #regulator-approval "Regulator approval" "Approval of the donation by a regulator (e.g. the Human Tissue Authority). Unissued when docStatus is preliminary."
* #committee-approval "Authorisation committee approval" "Approval of the donation by an authorisation or ethics committee. Unsigned when docStatus is preliminary."
* #exchange-match-offer "Paired-exchange match offer" "An offer of a match from a paired-exchange programme."
* #disclosure-preference "Disclosure preference" "The donor's recorded wishes about what may be disclosed to the recipient."

ValueSet: EvidenceTypeValueSet
Id: evidence-type
Title: "DonorGuard Evidence Types"
Description: "All codes of the DonorGuard evidence-type CodeSystem."
* insert DonorGuardValueSet
* include codes from system $evidence-type

// ---------------------------------------------------------------------------------------------------------------
CodeSystem: DonationPathwayCodeSystem
Id: donation-pathway
Title: "DonorGuard Donation Pathways"
Description: "How a living donor came to donate to a recipient (extension donation-pathway on the evaluation EpisodeOfCare)."
* insert DonorGuardCodeSystem(donation-pathway)
* #directed-related "Directed, related" "Donation to a named recipient who is a genetic relative or is emotionally related (spouse, partner)."
* #directed-unrelated "Directed, unrelated" "Donation to a named recipient who is neither a genetic relative nor a spouse or partner (e.g. a friend, colleague or acquaintance)."
* #non-directed "Non-directed" "Altruistic donation to an unknown recipient chosen by the allocation system; there is no intended recipient."
* #paired-exchange "Paired exchange" "Donation within a paired or pooled exchange scheme; the intended recipient is the donor's own paired candidate."

ValueSet: DonationPathwayValueSet
Id: donation-pathway
Title: "DonorGuard Donation Pathways"
Description: "All codes of the DonorGuard donation-pathway CodeSystem."
* insert DonorGuardValueSet
* include codes from system $donation-pathway

// ---------------------------------------------------------------------------------------------------------------
CodeSystem: ExpenseTypeCodeSystem
Id: expense-type
Title: "DonorGuard Donor Expense Types"
Description: "Kinds of donor expense reimbursed through a donor-expense-reimbursement Claim (Claim.item.productOrService)."
* insert DonorGuardCodeSystem(expense-type)
* #travel "Travel" "The donor's travel for evaluation, surgery and follow-up."
* #lodging "Lodging" "The donor's accommodation during evaluation, surgery and recovery."
* #lost-income "Lost income" "Earnings the donor lost because of the donation."
* #medical "Medical costs" "Medical costs of the donation not otherwise covered."
* #lump-sum "Lump sum" "A payment not itemised against an expense. Not verifiable as reimbursement."

ValueSet: ExpenseTypeValueSet
Id: expense-type
Title: "DonorGuard Donor Expense Types"
Description: "All codes of the DonorGuard expense-type CodeSystem."
* insert DonorGuardValueSet
* include codes from system $expense-type

// ---------------------------------------------------------------------------------------------------------------
CodeSystem: MitigationCodeSystem
Id: mitigation
Title: "DonorGuard Mitigating Actions"
Description: "Actions a DonorGuard alert can suggest (DetectedIssue.mitigation.action, Task.code of a compliance-review task). They protect the donor: none of them is an accusation."
* insert DonorGuardCodeSystem(mitigation)
* #refer-independent-advocate "Refer to the independent advocate or assessor" "Refer to the independent living donor advocate (US), request or flag for the Human Tissue Authority independent assessor (UK; enhanced assessment for directed altruistic cases) or the Authorisation Committee (India)."
* #interview-donor-alone "Interview the donor alone" "Interview the donor alone (no recipient, family or companion), with a professional interpreter independent of both parties; record the interpreter's identity and qualification."
* #verify-relationship "Verify the relationship" "Verify the relationship evidence at source (issuing authority, embassy or consular certification for foreign documents); if biological kinship is claimed and unproven, an accredited DNA kinship test with consent and a pre-agreed policy for unexpected non-kinship."
* #verify-identity "Verify identity" "Confirm that the passport or identity document is in the donor's own possession and matches the person; reconcile birth dates and names."
* #review-finances "Review finances" "Review who pays for what; keep reimbursement itemised and through programme channels; obtain a signed no-reward declaration; explain the law to donor and recipient separately."
* #extend-evaluation "Extend the evaluation" "Pause scheduling; allow reflection time; repeat consent after education with teach-back."
* #psychosocial-reassessment "Psychosocial reassessment" "Repeat the psychosocial and capacity assessment, focused on inducement and coercion."
* #confirm-follow-up-plan "Confirm the follow-up plan" "Confirm a home-country follow-up plan and return travel that allows recovery."
* #offer-confidential-exit "Offer a confidential exit" "Tell the donor privately of the right to withdraw at any time, with the reason kept confidential from the recipient; give contact details for support services."
* #ethics-compliance-review "Ethics or compliance review" "Escalate to the ethics committee or compliance officer before surgery."
* #notify-authority "Notify the authority" "Per local policy, notify the regulator or national focal point (e.g. the Human Tissue Authority for suspected illicit transplant travel); law enforcement only through compliance, donor-centred."

ValueSet: MitigationValueSet
Id: mitigation
Title: "DonorGuard Mitigating Actions"
Description: "All codes of the DonorGuard mitigation CodeSystem."
* insert DonorGuardValueSet
* include codes from system $mitigation

// ---------------------------------------------------------------------------------------------------------------
CodeSystem: HowMetCodeSystem
Id: how-met
Title: "DonorGuard How Donor and Recipient Met"
Description: "How the donor and the recipient came to know each other (safeguarding questionnaire item how-met)."
* insert DonorGuardCodeSystem(how-met)
* #family "Family" "They are members of the same family."
* #long-standing-friendship "Long-standing friendship" "A friendship that began long before the recipient's need for a transplant became known."
* #workplace "Workplace" "They know each other through work (colleagues, employer and employee)."
* #social-media "Social media" "They met through social media."
* #online-matching-site "Online matching site" "They met through a website or service that matches donors with recipients."
* #introduced-by-third-party "Introduced by a third party" "Someone outside both families and the programme (a broker, agent, coordinator or acquaintance) introduced them."
* #other "Other" "Some other way, described in how-met-details."

ValueSet: HowMetValueSet
Id: how-met
Title: "DonorGuard How Donor and Recipient Met"
Description: "All codes of the DonorGuard how-met CodeSystem."
* insert DonorGuardValueSet
* include codes from system $how-met

// ---------------------------------------------------------------------------------------------------------------
CodeSystem: ArrangedByCodeSystem
Id: arranged-by
Title: "DonorGuard Arranged By"
Description: "Who arranged and paid for the donor's travel or lodging (safeguarding questionnaire items travel-arranged-by and lodging-arranged-by)."
* insert DonorGuardCodeSystem(arranged-by)
* #self "The donor" "The donor arranged and paid for it."
* #recipient-or-family "The recipient or their family" "The recipient or the recipient's family arranged or paid for it."
* #programme "The transplant programme" "The transplant programme, a paired-exchange scheme or another official channel arranged or paid for it."
* #third-party "A third party" "Someone else arranged or paid for it: a coordinator, agency, employer or other person outside both families and the programme."
* #not-applicable "Not applicable" "No travel or lodging was needed (e.g. the donor lives locally)."

ValueSet: ArrangedByValueSet
Id: arranged-by
Title: "DonorGuard Arranged By"
Description: "All codes of the DonorGuard arranged-by CodeSystem."
* insert DonorGuardValueSet
* include codes from system $arranged-by

// ---------------------------------------------------------------------------------------------------------------
ValueSet: RedFlagValueSet
Id: red-flag
Title: "DonorGuard Red Flags"
Description: "All red-flag indicators DonorGuard screens for: every code of http://donorguard.org/fhir/CodeSystem/red-flag, which is generated from the rule files (each rule id is a code; property family gives its family)."
* insert DonorGuardValueSet
* include codes from system $red-flag

ValueSet: AlertStatusValueSet
Id: alert-status
Title: "DonorGuard Alert Status"
Description: "The statuses a DonorGuard alert (DetectedIssue) may have: preliminary when a rule fires, final once a reviewer has confirmed it, cancelled when a reviewer has dismissed it. A subset of the R4 binding of DetectedIssue.status (observation-status)."
* insert DonorGuardValueSet
* $observation-status#preliminary "Preliminary"
* $observation-status#final "Final"
* $observation-status#cancelled "Cancelled"
