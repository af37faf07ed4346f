"""The call for talks, one module per stage: `call` (set-up) and `deadlines`, `proposals`,
`co_speakers`, `profiles`, review (`review_setup`, `assignment`, `reviews`, `ranking`),
`decisions` with their `decision_mails`, and `confirmation`. What it shares with grants
(questions, criteria, scores, declared interests, redaction) is in services/reviewing/.
"""
