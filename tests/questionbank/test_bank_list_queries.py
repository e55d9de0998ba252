"""List endpoints of the bank run a fixed number of queries, whatever the page size."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/questions/", "/api/v1/levels/", "/api/v1/competencies/", "/api/v1/users/"]
)
@pytest.mark.parametrize("page_size", [1, 50])
def test_list_query_count_does_not_grow_with_page_size(
    client_for, admin_user, seed_bank, django_assert_max_num_queries, path, page_size
):
    client = client_for(admin_user)
    # Authentication (token + user) and groups, count, page, and at most two prefetches.
    with django_assert_max_num_queries(6):
        response = client.get(f"{path}?page_size={page_size}")
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 1
