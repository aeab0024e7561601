"""The hub database: SQLite in the data dir by default, PostgreSQL through db_url."""

from ...harness import Browserless, Hub


def test_default_database_is_sqlite_in_data_dir(hub, admin):
    assert (hub.data_dir / "jupyterhub.sqlite").stat().st_size > 0


def test_db_url_switches_to_postgresql(tmp_path, postgres):
    postgres.psql("CREATE DATABASE hubdb")
    h = Hub.create(tmp_path / "pg", {"hub": {"db_url": postgres.url("hubdb")}}, servers=False)
    try:
        h.up()
        r = Browserless(h, "admin", h.admin_password).login()
        assert r.status_code == 302
        # the hub's users, and the password accounts, live in PostgreSQL
        assert postgres.psql("SELECT name FROM users", db="hubdb") == "admin"
        assert postgres.psql("SELECT is_authorized FROM users_info WHERE username='admin'", db="hubdb") == "t"
        assert not (h.data_dir / "jupyterhub.sqlite").exists()
    finally:
        h.down()
