// Example instances of the DonorGuard profiles. The references point at resources of a fictitious workup.

Instance: donorguard-alert-example
InstanceOf: DonorGuardAlert
Usage: #example
Title: "Example DonorGuard alert: donor not interviewed alone"
Description: "A preliminary alert raised because no evaluation documents an interview of the donor without companions."
* meta.security = $v3-Confidentiality#R "restricted"
* extension[ruleVersion].valueString = "1"
* identifier[alertId].system = $alert-id
* identifier[alertId].value = "consent.not-interviewed-separately:Patient/donor-example"
* status = #preliminary
* code = $red-flag#consent.not-interviewed-separately
* severity = #moderate
* patient = Reference(Patient/donor-example)
* identifiedDateTime = "2025-03-14T09:30:00Z"
* implicated[+] = Reference(Encounter/psychosocial-evaluation-example)
* implicated[+] = Reference(QuestionnaireResponse/safeguarding-example)
* evidence[+].detail[+] = Reference(Encounter/psychosocial-evaluation-example)
* detail = "No evaluation records an interview of the donor without the recipient, family or companions: the psychosocial evaluation lists a companion as a participant, and the safeguarding questionnaire answers 'interviewed alone' with no."
* reference = "http://donorguard.org/fhir/rules/consent.not-interviewed-separately"

Instance: compliance-review-task-example
InstanceOf: ComplianceReviewTask
Usage: #example
Title: "Example compliance review task: interview the donor alone"
Description: "The follow-up work item for the example alert."
* meta.security = $v3-Confidentiality#R "restricted"
* status = #requested
* intent = #order
* priority = #urgent
* code = $mitigation#interview-donor-alone "Interview the donor alone"
* focus = Reference(DetectedIssue/donorguard-alert-example)
* for = Reference(Patient/donor-example)
* authoredOn = "2025-03-14T09:30:00Z"
* description = "Interview the donor alone, with a professional interpreter independent of both parties, before surgery is scheduled."
