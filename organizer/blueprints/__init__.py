"""The explicit list of blueprints, in registration order. The public event pages come last
because their first path segment is a variable (the event slug)."""

from organizer.blueprints.account_data.views import bp as account_data
from organizer.blueprints.api.views import bp as api
from organizer.blueprints.api_tokens.views import bp as api_tokens
from organizer.blueprints.attendees.views import bp as attendees
from organizer.blueprints.auth.views import bp as auth
from organizer.blueprints.badges.views import bp as badges
from organizer.blueprints.bulk_mail.views import bp as bulk_mail
from organizer.blueprints.cfp.views import bp as cfp
from organizer.blueprints.cfp_decisions.views import bp as cfp_decisions
from organizer.blueprints.cfp_review.views import bp as cfp_review
from organizer.blueprints.cfp_setup.views import bp as cfp_setup
from organizer.blueprints.check_in.views import bp as check_in
from organizer.blueprints.event_archive.views import bp as event_archive
from organizer.blueprints.event_clone.views import bp as event_clone
from organizer.blueprints.feeds.views import bp as feeds
from organizer.blueprints.grant_decisions.views import bp as grant_decisions
from organizer.blueprints.grant_money.views import bp as grant_money
from organizer.blueprints.grant_review.views import bp as grant_review
from organizer.blueprints.grant_setup.views import bp as grant_setup
from organizer.blueprints.grants.views import bp as grants
from organizer.blueprints.health.views import bp as health
from organizer.blueprints.home.views import bp as home
from organizer.blueprints.manage.views import bp as manage
from organizer.blueprints.printed.views import bp as printed
from organizer.blueprints.public.views import bp as public
from organizer.blueprints.public_schedule.views import bp as public_schedule
from organizer.blueprints.registration.views import bp as registration
from organizer.blueprints.registration_setup.views import bp as registration_setup
from organizer.blueprints.releases.views import bp as releases
from organizer.blueprints.representation.views import bp as representation
from organizer.blueprints.schedule.views import bp as schedule
from organizer.blueprints.schedule_import.views import bp as schedule_import
from organizer.blueprints.schedule_setup.views import bp as schedule_setup
from organizer.blueprints.scheduler.views import bp as scheduler
from organizer.blueprints.site_queue.views import bp as site_queue
from organizer.blueprints.spreadsheet_import.views import bp as spreadsheet_import
from organizer.blueprints.survey.views import bp as survey

BLUEPRINTS = [
    health,
    auth,
    account_data,
    api_tokens,
    api,
    home,
    manage,
    event_clone,
    site_queue,
    cfp_setup,
    cfp_decisions,
    grant_setup,
    grant_decisions,
    registration_setup,
    bulk_mail,
    spreadsheet_import,
    attendees,
    representation,
    schedule_setup,
    schedule_import,
    scheduler,
    releases,
    schedule,
    grant_review,
    cfp_review,
    grant_money,
    grants,
    registration,
    survey,
    check_in,
    cfp,
    feeds,
    printed,
    badges,
    event_archive,
    public_schedule,
    public,
]
