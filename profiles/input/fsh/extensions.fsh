// Extensions of the input contract (workup-in-fhir.md "Who is who") and of DonorGuard alerts.

Extension: IntendedRecipient
Id: intended-recipient
Title: "Intended Recipient"
Description: "The patient the living donor intends to donate to, on the donor's living-donor-evaluation EpisodeOfCare. A non-directed donor has none; in a paired exchange it is the donor's own paired candidate."
Context: EpisodeOfCare
* ^status = #active
* ^experimental = false
* ^publisher = "DonorGuard"
* value[x] 1..1
* value[x] only Reference(Patient)

Extension: DonationPathway
Id: donation-pathway
Title: "Donation Pathway"
Description: "How the donor came to donate (directed-related, directed-unrelated, non-directed, paired-exchange), on the donor's living-donor-evaluation EpisodeOfCare. When absent, DonorGuard infers the pathway from the relationship claim."
Context: EpisodeOfCare
* ^status = #active
* ^experimental = false
* ^publisher = "DonorGuard"
* value[x] 1..1
* value[x] only Coding
* valueCoding from DonationPathwayValueSet (required)

Extension: RuleVersion
Id: rule-version
Title: "Rule Version"
Description: "The version of the DonorGuard rule that raised an alert (the rule's `version`, bumped on any change of its logic). The rule itself is DetectedIssue.code; its documentation is DetectedIssue.reference."
Context: DetectedIssue
* ^status = #active
* ^experimental = false
* ^publisher = "DonorGuard"
* value[x] 1..1
* value[x] only string
