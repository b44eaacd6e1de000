"""The fuzz suite's fixtures: one persistent worker process per module."""
import pytest

from .campaign import Campaign


@pytest.fixture(scope="module")
def campaign():
    c = Campaign()
    yield c
    c.close()
