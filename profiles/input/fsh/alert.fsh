// DonorGuard's durable alert record (standards.md §2.1) and the compliance work item that follows it (§2.6).

Profile: DonorGuardAlert
Parent: DetectedIssue
Id: donorguard-alert
Title: "DonorGuard Alert"
Description: "A red flag raised by DonorGuard on a living-donor workup: an indicator that the donation may involve trafficking in persons for organ removal, coercion or reward. An alert is a prompt for the safeguards the programme already has, never a finding of guilt. Alerts are confidential (meta.security v3-Confidentiality R, restricted): they name the donor's and others' circumstances and must not reach patient portals, the recipient or anyone accompanying the donor. Severity maps from the rule: critical -> high, warning -> moderate, info -> low. Lifecycle: preliminary when a rule fires, final after compliance review, cancelled when dismissed."
* ^status = #active
* ^experimental = false
* ^publisher = "DonorGuard"
* meta.security MS
* meta.security ^short = "Confidentiality: v3-Confidentiality#R (restricted)"
* meta.security ^comment = "DonorGuard labels each alert with http://terminology.hl7.org/CodeSystem/v3-Confidentiality#R. Alerts must not be released to patient portals, to the recipient or to anyone accompanying the donor."
* extension contains RuleVersion named ruleVersion 0..1 MS
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "The stable finding id, plus any identifiers an EHR adds."
* identifier contains alertId 1..1 MS
* identifier[alertId] ^short = "Stable finding id (the same finding keeps its id across screens)"
* identifier[alertId].system 1..1
* identifier[alertId].system = $alert-id (exactly)
* identifier[alertId].value 1..1
* status MS
* status from AlertStatusValueSet (required)
* status ^short = "preliminary | final | cancelled"
* code 1..1 MS
* code from RedFlagValueSet (required)
* code ^short = "The red-flag rule id"
* severity 1..1 MS
* severity ^short = "high (critical) | moderate (warning) | low (info)"
* patient 1..1 MS
* patient only Reference(Patient)
* patient ^short = "The donor candidate"
* identified[x] 1..1 MS
* identified[x] only dateTime
* identified[x] ^short = "When the screen ran (its asOf)"
* implicated MS
* implicated ^short = "The resources that triggered the rule"
* evidence MS
* detail 1..1 MS
* detail ^short = "Summary of the finding, in neutral wording"
* reference MS
* reference ^short = "Documentation of the rule"
* mitigation.action from MitigationValueSet (preferred)

Profile: ComplianceReviewTask
Parent: Task
Id: compliance-review-task
Title: "DonorGuard Compliance Review Task"
Description: "A work item asking a reviewer to carry out a mitigating action on a DonorGuard alert (e.g. interview the donor alone, verify the relationship). Like the alert it follows, it is confidential and must not reach patient portals."
* ^status = #active
* ^experimental = false
* ^publisher = "DonorGuard"
* status MS
* intent = #order
* intent MS
* code 1..1 MS
* code from MitigationValueSet (required)
* code ^short = "The mitigating action to carry out"
* focus 1..1 MS
* focus only Reference(DetectedIssue)
* focus ^short = "The DonorGuard alert"
* for 1..1 MS
* for only Reference(Patient)
* for ^short = "The donor candidate"
* authoredOn 1..1 MS
* owner MS
* owner ^short = "The compliance office or reviewer"
