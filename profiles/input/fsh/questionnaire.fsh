// The living-donor safeguarding questionnaire (workup-in-fhir.md "The safeguarding questionnaire").
// The linkIds are fixed by the contract: DonorGuard reads QuestionnaireResponses by linkId. Each item's code names the
// red-flag indicator (CodeSystem/red-flag rule id) its answer feeds. This file is the source of
// profiles/fsh-generated/resources/Questionnaire-living-donor-safeguarding.json.

Instance: living-donor-safeguarding
InstanceOf: Questionnaire
Usage: #definition
Title: "Living-Donor Safeguarding Assessment"
Description: "What only a person can observe in a living-donor evaluation: whether the donor was seen alone, who arranged travel and lodging, whether a reward was offered, who holds the donor's documents, signs of coaching or control, and the donor's understanding and wish to go on. Completed by the assessor (independent advocate, independent assessor, social worker or committee member) after interviewing the donor alone. A question left unanswered is not a 'no': DonorGuard reports it as not checked."
* url = "http://donorguard.org/fhir/Questionnaire/living-donor-safeguarding"
* name = "LivingDonorSafeguarding"
* title = "Living-Donor Safeguarding Assessment"
* status = #active
* experimental = false
* publisher = "DonorGuard"
* subjectType = #Patient
* purpose = "Records the assessor's observations on consent, relationship, travel, money, vulnerability and intermediaries, so that DonorGuard can raise red flags before a living donation goes ahead. The form itself is confidential and must not be shown to the recipient or to anyone accompanying the donor."

* item[+].linkId = "interviewed-alone"
* item[=].text = "Was the donor interviewed alone, without the recipient, family members or companions in the room?"
* item[=].type = #boolean
* item[=].code = $red-flag#consent.not-interviewed-separately

* item[+].linkId = "interpreter-used"
* item[=].text = "Did an interpreter take part in the assessment?"
* item[=].type = #boolean
* item[=].code = $red-flag#consent.language-barrier-without-professional-interpreter

* item[+].linkId = "interpreter-independent"
* item[=].text = "Was the interpreter a professional interpreter, independent of both the donor's and the recipient's side?"
* item[=].type = #boolean
* item[=].code = $red-flag#process.interpreter-not-independent
* item[=].enableWhen[+].question = "interpreter-used"
* item[=].enableWhen[=].operator = #=
* item[=].enableWhen[=].answerBoolean = true

* item[+].linkId = "how-met"
* item[=].text = "How did the donor and the recipient come to know each other?"
* item[=].type = #choice
* item[=].code = $red-flag#relationship.distant-or-recent-relationship
* item[=].answerValueSet = "http://donorguard.org/fhir/ValueSet/how-met"

* item[+].linkId = "how-met-details"
* item[=].text = "How they met, in your own words (when, where, through whom)."
* item[=].type = #text
* item[=].code = $red-flag#relationship.distant-or-recent-relationship

* item[+].linkId = "can-describe-relationship"
* item[=].text = "Could the donor describe the recipient and their shared history (names, family, how long they have known each other)?"
* item[=].type = #boolean
* item[=].code = $red-flag#relationship.cannot-describe-relationship

* item[+].linkId = "relationship-account-consistent"
* item[=].text = "When seen separately, did the donor and the recipient give consistent accounts of their relationship?"
* item[=].type = #boolean
* item[=].code = $red-flag#relationship.cannot-describe-relationship

* item[+].linkId = "travel-arranged-by"
* item[=].text = "Who arranged and paid for the donor's travel?"
* item[=].type = #choice
* item[=].code = $red-flag#travel.arranged-by-third-party
* item[=].answerValueSet = "http://donorguard.org/fhir/ValueSet/arranged-by"

* item[+].linkId = "travel-arranged-by-whom"
* item[=].text = "Which person or organisation arranged or paid for the travel (if known)?"
* item[=].type = #reference
* item[=].code = $red-flag#travel.arranged-by-third-party
* item[=].extension[+].url = $questionnaire-referenceResource
* item[=].extension[=].valueCode = #RelatedPerson
* item[=].extension[+].url = $questionnaire-referenceResource
* item[=].extension[=].valueCode = #Practitioner
* item[=].extension[+].url = $questionnaire-referenceResource
* item[=].extension[=].valueCode = #Organization
* item[=].enableWhen[+].question = "travel-arranged-by"
* item[=].enableWhen[=].operator = #=
* item[=].enableWhen[=].answerCoding = $arranged-by#third-party
* item[=].enableWhen[+].question = "travel-arranged-by"
* item[=].enableWhen[=].operator = #=
* item[=].enableWhen[=].answerCoding = $arranged-by#recipient-or-family
* item[=].enableBehavior = #any

* item[+].linkId = "lodging-arranged-by"
* item[=].text = "Who arranged the donor's lodging?"
* item[=].type = #choice
* item[=].code = $red-flag#travel.lodging-arranged-or-shared
* item[=].answerValueSet = "http://donorguard.org/fhir/ValueSet/arranged-by"

* item[+].linkId = "reward-offered"
* item[=].text = "Has the donor been offered, or received, money, a job, a visa, debt relief or any other advantage for donating?"
* item[=].type = #boolean
* item[=].code = $red-flag#payment.reward-offered-or-received

* item[+].linkId = "reward-details"
* item[=].text = "What was offered or received, and by whom, in your own words."
* item[=].type = #text
* item[=].code = $red-flag#payment.reward-offered-or-received
* item[=].enableWhen[+].question = "reward-offered"
* item[=].enableWhen[=].operator = #=
* item[=].enableWhen[=].answerBoolean = true

* item[+].linkId = "no-reward-declaration-signed"
* item[=].text = "Has the donor signed a declaration that no reward is involved in the donation?"
* item[=].type = #boolean
* item[=].code = $red-flag#consent.required-consent-missing

* item[+].linkId = "documents-in-own-possession"
* item[=].text = "Does the donor hold their own passport, identity document and phone?"
* item[=].type = #boolean
* item[=].code = $red-flag#travel.identity-documents-held-by-other

* item[+].linkId = "companion-speaks-for-donor"
* item[=].text = "Did a companion answer for the donor, or refuse to leave the room?"
* item[=].type = #boolean
* item[=].code = $red-flag#intermediary.companion-speaks-for-donor

* item[+].linkId = "signs-of-control"
* item[=].text = "Did you see signs of control: fear, constant accompaniment, no phone or money of their own, or not being free to leave their lodging?"
* item[=].type = #boolean
* item[=].code = $red-flag#vulnerability.signs-of-control

* item[+].linkId = "coached-responses-suspected"
* item[=].text = "Did the donor's answers sound rehearsed or tutored?"
* item[=].type = #boolean
* item[=].code = $red-flag#intermediary.coached-responses

* item[+].linkId = "understands-purpose"
* item[=].text = "Does the donor know why they are being assessed, and for whom?"
* item[=].type = #boolean
* item[=].code = $red-flag#consent.limited-understanding-documented

* item[+].linkId = "understands-risks"
* item[=].text = "Did the donor pass teach-back of the operation and its risks (for example, knows that the kidney does not grow back)?"
* item[=].type = #boolean
* item[=].code = $red-flag#vulnerability.misconception-or-low-literacy

* item[+].linkId = "knows-right-to-withdraw"
* item[=].text = "Does the donor know they may withdraw at any time, with the reason kept confidential from the recipient?"
* item[=].type = #boolean
* item[=].code = $red-flag#consent.limited-understanding-documented

* item[+].linkId = "misconceptions-noted"
* item[=].text = "Did you find a misconception about the donation that has not yet been corrected?"
* item[=].type = #boolean
* item[=].code = $red-flag#vulnerability.misconception-or-low-literacy

* item[+].linkId = "ambivalent-or-wishes-to-withdraw"
* item[=].text = "Did the donor voice doubts, say they feel pressured or obliged, or express a wish to stop?"
* item[=].type = #boolean
* item[=].code = $red-flag#consent.ambivalence-or-withdrawal-signal

* item[+].linkId = "next-of-kin-aware"
* item[=].text = "Do the donor's own next of kin know about the donation?"
* item[=].type = #boolean
* item[=].code = $red-flag#relationship.next-of-kin-unaware

* item[+].linkId = "stated-age-consistent"
* item[=].text = "Does the age the donor states match the age on their identity documents?"
* item[=].type = #boolean
* item[=].code = $red-flag#consent.donor-minor-or-age-disputed

* item[+].linkId = "pre-testing-arranged-by-third-party"
* item[=].text = "Were blood or tissue tests done before referral, arranged by someone outside the transplant programme?"
* item[=].type = #boolean
* item[=].code = $red-flag#process.external-pre-testing-arranged

* item[+].linkId = "declined-elsewhere"
* item[=].text = "Has this donor and recipient pair been declined by another centre for a non-medical reason?"
* item[=].type = #boolean
* item[=].code = $red-flag#process.prior-decline-or-center-switch

* item[+].linkId = "assessor-comment"
* item[=].text = "Any other observations."
* item[=].type = #text
