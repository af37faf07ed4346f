"""One review machine for the call for talks and grants: organizers' questions and answers,
criteria and weighting, scores and their normalisation, declared interests, redaction. Each
side passes in what differs (its models, its owner); callers import the module they use.
"""
