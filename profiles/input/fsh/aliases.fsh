// Aliases shared by every DonorGuard FSH file. Canonical base: http://donorguard.org/fhir (workup-in-fhir.md).
Alias: $workup = http://donorguard.org/fhir/CodeSystem/workup
Alias: $evaluation-type = http://donorguard.org/fhir/CodeSystem/evaluation-type
Alias: $evidence-type = http://donorguard.org/fhir/CodeSystem/evidence-type
Alias: $donation-pathway = http://donorguard.org/fhir/CodeSystem/donation-pathway
Alias: $expense-type = http://donorguard.org/fhir/CodeSystem/expense-type
Alias: $mitigation = http://donorguard.org/fhir/CodeSystem/mitigation
Alias: $how-met = http://donorguard.org/fhir/CodeSystem/how-met
Alias: $arranged-by = http://donorguard.org/fhir/CodeSystem/arranged-by
// Generated from the rules by the lead into profiles/generated/CodeSystem-red-flag.json; not defined in FSH.
Alias: $red-flag = http://donorguard.org/fhir/CodeSystem/red-flag
Alias: $alert-id = http://donorguard.org/fhir/alert-id
Alias: $v3-Confidentiality = http://terminology.hl7.org/CodeSystem/v3-Confidentiality
Alias: $observation-status = http://hl7.org/fhir/observation-status
Alias: $questionnaire-referenceResource = http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource
