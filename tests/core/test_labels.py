"""Every state, role and kind people read has one label, next to its enum, marked for
translation (so that `make messages` extracts it)."""

import enum

import pytest
from flask_babel.speaklater import LazyString

from organizer import enums

USER_FACING = [
    enums.EventRoleName,
    enums.ProposalState,
    enums.GrantKind,
    enums.GrantState,
    enums.NeedLevel,
    enums.GrantCategory,
    enums.ReceiptState,
    enums.PlenaryKind,
    enums.ContainerKind,
]


@pytest.mark.parametrize("kind", USER_FACING, ids=lambda kind: kind.__name__)
def test_every_member_has_a_lazy_translatable_label(kind: type[enum.Enum]):
    for member in kind:
        label = member.label
        assert isinstance(label, LazyString), f"{member!r}: {label!r} is not lazy_gettext"
        assert str(label).strip(), f"{member!r} has an empty label"


@pytest.mark.parametrize("kind", USER_FACING, ids=lambda kind: kind.__name__)
def test_labels_of_one_enum_differ(kind: type[enum.Enum]):
    labels = [str(member.label) for member in kind]
    assert len(set(labels)) == len(labels)
