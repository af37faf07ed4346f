from organizer.services.demo import load_demo, read_fixture
from tests.factories import NOW


def test_demo_loads_and_home_lists_it(client):
    result = load_demo(data=read_fixture(), now=NOW)
    assert set(result.created_events) == {"mangrove-2027", "mangrove-2026"}
    response = client.get("/")
    assert response.status_code == 200
    assert "Mangrove Workshop on Inclusive Machine Learning 2027" in response.text
