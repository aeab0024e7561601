"""Both deployments get the import: the Kubernetes hub configuration (applied to a
bare Config, as the chart's extraConfig does; no cluster can run here) carries the
handlers and the display name, and the display-name table is made by JupyterHub's
own database setup, in SQLite and in a real PostgreSQL (a Kubernetes hub's)."""

from __future__ import annotations

import pytest
from jupyterhub import orm
from traitlets.config import Config

from campushub.deploy.kubernetes import hub_config
from campushub.hub.people import handlers, model, page

from ...deploy.hub_sites import site
from ...postgres import fresh_url

ROUTES = {
    r"/api/campushub/users/import": handlers.ImportAPIHandler,
    r"/api/campushub/users/export": handlers.ExportAPIHandler,
    r"/campushub/users": page.ImportPageHandler,
    r"/campushub/users/export": page.ExportPageHandler,
}


def test_the_kubernetes_hub_serves_the_import_beside_what_the_chart_set():
    c = Config()
    c.JupyterHub.extra_handlers = [(r"/chart-page", object)]  # an extraConfig of the operator's
    c.JupyterHub.template_vars = {"announcement": "x"}
    hub_config.apply(c, site("oidc", kubernetes={}, apps={"enabled": False}), {})  # apps: tests/hub/apps
    assert c.JupyterHub.extra_handlers == [(r"/chart-page", object), *ROUTES.items()]
    assert c.JupyterHub.template_vars == {"announcement": "x", "native_accounts": False,
                                          "campushub_display_name": model.of}


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.stack)])
def test_the_hub_makes_the_display_name_table_and_deleting_a_user_drops_the_name(kind, tmp_path, request):
    db = orm.new_session_factory(fresh_url(kind, tmp_path, request, "people"))()
    try:
        user = orm.User(name="hanako")
        db.add(user)
        db.commit()
        db.add(model.DisplayName(user_id=user.id, display_name="山田 花子"))
        db.commit()
        assert db.query(model.DisplayName.display_name).scalar() == "山田 花子"
        db.delete(user)
        db.commit()
        assert db.query(model.DisplayName).count() == 0
    finally:
        db.close()
        db.get_bind().dispose()
