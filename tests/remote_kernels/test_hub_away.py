"""The front with its hub or its gateway away (nothing listens where they
should be): a request with a token gets one line saying which does not
answer, not a 500 or a traceback; without a token it is refused as ever."""

from __future__ import annotations

import json

from jupyterhub.services.auth import HubAuth
from tornado.testing import AsyncHTTPTestCase

from campushub.config import loader
from campushub.projects.web.hubapi import HubAPI
from campushub.remote_kernels.app import make_app
from campushub.remote_kernels.gateway import Gateway
from campushub.remote_kernels.people import People
from campushub.remote_kernels.store import Store

from ..harness import free_port

PREFIX = "/services/remote-kernels/"


class HubAway(AsyncHTTPTestCase):
    def get_app(self):
        import tempfile

        self.folder = tempfile.TemporaryDirectory()
        self.store = Store(f"sqlite:///{self.folder.name}/rk.sqlite")
        nowhere = f"http://127.0.0.1:{free_port()}"
        auth = HubAuth(api_url=f"{nowhere}/hub/api", api_token="service-token",
                       access_scopes={"access:services!service=remote-kernels"}, cache_max_age=0)
        return make_app(store=self.store, gateway=Gateway(nowhere, "eg-token"),
                        people=People(HubAPI(f"{nowhere}/hub/api", "service-token")), culling=None,
                        site_config=loader.defaults(), prefix=PREFIX, extra_env=None, hub_auth=auth)

    def tearDown(self):
        super().tearDown()
        self.store.close()
        self.folder.cleanup()

    def test_a_token_while_the_hub_is_away_gets_one_line(self):
        r = self.fetch(PREFIX + "api/kernels", headers={"Authorization": "token someone", "Accept-Language": "ja"})
        assert r.code == 503
        assert json.loads(r.body) == {"message": "ハブが応答しません。1 分ほどしてからもう一度試し、続くようならハブの"
                                                 "管理者に知らせてください。"}

    def test_no_token_is_refused_without_asking_anyone(self):
        r = self.fetch(PREFIX + "api/kernels")
        assert r.code == 403 and json.loads(r.body)["message"].startswith("Sign in to the hub first")
        assert self.fetch(PREFIX).code == 200  # the bare prefix, for up's readiness wait
