"""The proposal fixtures (a delivered suggestion, the action helper) serve the publishing tests too."""

from tests.proposals.conftest import assigned, delivered, do  # noqa: F401
