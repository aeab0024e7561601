"""A private, real OpenLDAP server for tests (Debian's slapd package).

Its own cn=config (built with slapadd) and mdb database in a temp dir, on a
free loopback port, in the foreground as our child: the system's slapd
service, running or not, is never touched. Entries are added over LDAP as
the rootdn, as a directory admin would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import ldap3
from ldap3.utils.hashed import hashed

from .harness import free_port, wait_for

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SCHEMAS = ("core", "cosine", "nis", "inetorgperson")

CONFIG_LDIF = """\
dn: cn=config
objectClass: olcGlobal
cn: config
{tls}

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{includes}

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {suffix}
olcRootDN: {rootdn}
olcRootPW: {rootpw}
olcDbDirectory: {dbdir}
olcDbMaxSize: 67108864
olcAccess: {{0}}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {{1}}to * by users read by * none
"""


@dataclass
class LDAPServer:
    root: Path
    port: int
    proc: subprocess.Popen
    suffix: str = "dc=campus,dc=test"
    rootpw: str = field(default="root-Secret-2026", repr=False)

    @property
    def rootdn(self) -> str:
        return f"cn=admin,{self.suffix}"

    @property
    def people(self) -> str:
        return f"ou=people,{self.suffix}"

    @property
    def groups(self) -> str:
        return f"ou=groups,{self.suffix}"

    def user_dn(self, uid: str) -> str:
        return f"uid={uid},{self.people}"

    def group_dn(self, cn: str) -> str:
        return f"cn={cn},{self.groups}"

    @classmethod
    def start(cls, tmpdir: Path | str | None = None, timeout: float = 30,
              tls: tuple[Path, Path] | None = None) -> LDAPServer:
        """tls: (certificate, key) PEM files; slapd then offers StartTLS with them."""
        if not os.path.exists(SLAPD):
            raise AssertionError("slapd is not installed: apt-get install slapd ldap-utils (scripts/test.sh does)")
        root = Path(tempfile.mkdtemp(prefix="campushub-ldap-", dir=tmpdir))
        server = None
        try:
            (root / "slapd.d").mkdir()
            (root / "db").mkdir()
            port = free_port()
            includes = "\n".join(f"include: file:///etc/ldap/schema/{s}.ldif" for s in SCHEMAS)
            ldif = root / "config.ldif"
            suffix, rootpw = cls.suffix, cls.rootpw
            tls_attrs = f"olcTLSCertificateFile: {tls[0]}\nolcTLSCertificateKeyFile: {tls[1]}" if tls else ""
            ldif.write_text(CONFIG_LDIF.format(includes=includes, suffix=suffix, rootdn=f"cn=admin,{suffix}",
                                               rootpw=rootpw, dbdir=root / "db", tls=tls_attrs))
            r = subprocess.run([SLAPADD, "-n0", "-F", str(root / "slapd.d"), "-l", str(ldif)],
                               capture_output=True, text=True)
            assert r.returncode == 0, f"slapadd of cn=config failed:\n{r.stderr}"
            log = open(root / "slapd.log", "w")
            # -d keeps slapd in the foreground (our child, so stop() can kill it);
            # "stats" logs connections and operations, enough to debug a test.
            proc = subprocess.Popen(
                [SLAPD, "-d", "stats", "-h", f"ldap://127.0.0.1:{port}/", "-F", str(root / "slapd.d")],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
            log.close()
            server = cls(root, port, proc)
            wait_for(server._bound, timeout, "slapd to accept a bind")
            server._add_base()
            return server
        except BaseException:
            if server:
                server.stop()
            else:
                shutil.rmtree(root, ignore_errors=True)
            raise

    def _bound(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"slapd exited {self.proc.returncode}:\n{(self.root / 'slapd.log').read_text()}")
        with self.connect():
            return True

    def connect(self, user: str | None = None, password: str | None = None) -> ldap3.Connection:
        """A bound connection, as the rootdn unless told otherwise; raises if the bind fails."""
        server = ldap3.Server("127.0.0.1", port=self.port, connect_timeout=5)
        return ldap3.Connection(server, user=user or self.rootdn, password=password or self.rootpw,
                                auto_bind=ldap3.AUTO_BIND_NO_TLS, receive_timeout=10, raise_exceptions=True)

    def _add(self, dn: str, object_class, attributes: dict) -> None:
        with self.connect() as conn:
            conn.add(dn, object_class, attributes)

    def _add_base(self) -> None:
        self._add(self.suffix, ["dcObject", "organization"], {"dc": "campus", "o": "Campus"})
        for ou in ("people", "groups"):
            self._add(f"ou={ou},{self.suffix}", ["organizationalUnit"], {"ou": ou})

    def add_user(self, uid: str, password: str, cn: str | None = None) -> str:
        dn = self.user_dn(uid)
        self._add(dn, ["inetOrgPerson"], {
            "uid": uid, "cn": cn or uid, "sn": uid,
            "userPassword": hashed(ldap3.HASHED_SALTED_SHA, password),
        })
        return dn

    def add_service_account(self, cn: str, password: str) -> str:
        """A non-person entry to bind as, like the search user a site gives the hub."""
        dn = f"cn={cn},{self.suffix}"
        self._add(dn, ["applicationProcess", "simpleSecurityObject"],
                  {"cn": cn, "userPassword": hashed(ldap3.HASHED_SALTED_SHA, password)})
        return dn

    def _members(self, uids) -> list[str]:
        # groupOfNames needs at least one member; the rootdn stands in for
        # "nobody" and matches no user.
        return [self.user_dn(u) for u in uids] or [self.rootdn]

    def add_group(self, cn: str, members_uids=()) -> str:
        dn = self.group_dn(cn)
        self._add(dn, ["groupOfNames"], {"cn": cn, "member": self._members(members_uids)})
        return dn

    def add_posix_group(self, cn: str, gid: int, members_uids=()) -> str:
        dn = self.group_dn(cn)
        attributes = {"cn": cn, "gidNumber": gid}
        if members_uids:
            attributes["memberUid"] = list(members_uids)
        self._add(dn, ["posixGroup"], attributes)
        return dn

    def set_group_members(self, cn: str, uids) -> None:
        """Replace the members of a groupOfNames."""
        with self.connect() as conn:
            conn.modify(self.group_dn(cn), {"member": [(ldap3.MODIFY_REPLACE, self._members(uids))]})

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)
