"""Representation monitoring: the opt-in self-identification survey and its aggregates.

THE PRIVACY RULE: this package (with organizer/models/) is the only code that imports the
Survey* models; tests/representation/test_privacy.py checks it. Everything else goes through
the functions here, which return either aggregates (`counting.tabulate`) or the current
person's own response (`answering.my_response`). Nothing here returns another person's answers,
and nothing here is read by a decision about a person (review, grants, scheduling).

A response has no user key, no timestamp and no address. The only tie to a person is a
SurveyLink, kept while the event's cycle is open so that people can see, change or delete
their answers and the pipeline stages they reach can be recorded on the response as flags.
`retention.purge` drops the links (and the text of self-descriptions) at the purge date;
what remains is anonymous counts.

Respondents' own actions (saving, changing, deleting answers) are deliberately NOT written to
the audit log: an audit entry names its actor and time, so it would tie a person to the fact
that they answered (and when), which the response itself is built not to record. Organizers'
set-up changes are audited as usual; they carry no answers.

The modules, in the order a survey lives:
- `survey`: the rows and their read-only views (settings, questions, options), the limits;
- `defaults`: the questions and consent text a new survey starts with;
- `survey_setup`: creating the survey, its settings and consent versions, targets;
- `question_setup`: organizers' changes to questions and options;
- `pipeline`: the stages (a new pipeline registers one) and who is at each;
- `answering`: a person's own answers: save, change, delete, export;
- `retention`: the purge, and forgetting one person when their account is deleted;
- `counting`: the aggregates that services/suppression.py makes safe to show.
- `config_copy`: the survey's set-up as sections of an event's configuration, for cloning an
  edition and for archives (services/archive/config.py); never responses.
"""
