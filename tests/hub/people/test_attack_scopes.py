"""Tokens with part of what the import needs: an admin's token narrowed to one of
admin:users / admin:groups, or to one person, is refused (403) by the import and
the export alike, and creates nobody. Real hub, real tokens."""

from __future__ import annotations

import pytest
import requests

IMPORT, EXPORT = "campushub/users/import", "campushub/users/export"


@pytest.mark.parametrize("scopes", [["admin:users"], ["admin:groups"],
                                    ["admin:users!user=admin", "admin:groups"]])
def test_a_token_without_both_whole_scopes_is_refused(people_hub, scopes):
    r = people_hub.api("POST", "users/admin/tokens", json={"note": "narrow", "expires_in": 600, "scopes": scopes})
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"token {r.json()['token']}"}
    r = requests.post(f"{people_hub.url}/hub/api/{IMPORT}", data=b"username,groups,admin\nnarrow-mallory,g1,true\n",
                      headers=headers, timeout=30)
    assert r.status_code == 403
    assert requests.get(f"{people_hub.url}/hub/api/{EXPORT}", headers=headers, timeout=30).status_code == 403
    assert people_hub.api("GET", "users/narrow-mallory").status_code == 404
