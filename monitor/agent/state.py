"""What a collector keeps on the school's machine, all in its state dir ([collector] state_dir,
else <data_dir>/collector), every file mode 0600 in a 0700 folder:

    state.key        the Fernet key the token and the configuration are encrypted with
    enrolment.json   the central's URL, the collector's name and sites, its token (encrypted)
    config.bin       the last configuration document (device credentials inside), encrypted
    status.json      what the runner last saw: upload, error, ETag, clock offset (no secret)
    snmp_hints.json  per device, what its last SNMP visits found (collectors.snmp's hints)
    ssh_backups.json per device, its last SSH backup attempt and the last "back up now" served
    run.lock         held (flock) by the one `ictmon collector run` working on this folder
    queue.sqlite3    results waiting for the central (monitor.agent.queue)

Files are replaced atomically (written beside, fsync, rename), so a kill -9 or a power cut
leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from monitor.edge.protocol import ConfigDocument, ProtocolError, parse_config
from monitor.localtime import stored_utc
from monitor.secrets import SecretsError, Vault
from monitor.settings import Settings

KEY_FILE = "state.key"
ENROLMENT_FILE = "enrolment.json"
CONFIG_FILE = "config.bin"
STATUS_FILE = "status.json"
HINTS_FILE = "snmp_hints.json"
BACKUPS_FILE = "ssh_backups.json"
QUEUE_FILE = "queue.sqlite3"
LOCK_FILE = "run.lock"


class NotEnrolled(RuntimeError):
    """No enrolment in the state dir (or one that cannot be read); the text says what to do."""


def state_dir(settings: Settings) -> Path:
    configured = settings.collector.state_dir
    return Path(configured) if configured else settings.data_dir / "collector"


@dataclass(frozen=True)
class Enrolled:
    central: str  # the central's base URL, as given to `enrol`
    name: str
    collector_id: int
    sites: tuple[str, ...]
    token: str = field(repr=False)


@dataclass(frozen=True)
class RunStatus:
    """What `ictmon collector status` shows besides the queue; written by the runner."""

    last_push_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    config_etag: str | None = None
    config_at: datetime | None = None  # last time the central answered the config request
    clock_offset_seconds: float | None = None  # the collector's clock minus the central's
    stopped: str | None = None  # why uploads stopped (a revoked token), until enrolled again
    pid: int | None = None  # the runner's process while it runs
    running_since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: Any) -> RunStatus:
        if not isinstance(data, dict):
            return cls()
        known = set(cls.__dataclass_fields__)
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known or value is None:
                continue
            if key.endswith("_at") or key == "running_since":
                try:
                    values[key] = stored_utc(str(value))
                except ValueError:
                    continue
            else:
                values[key] = value
        return cls(**values)


class StateDir:
    """The collector's files. Reading never creates anything; writing creates the folder."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @property
    def queue_path(self) -> Path:
        return self.path / QUEUE_FILE

    def prepare(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self.path.chmod(0o700)

    # -- the key ------------------------------------------------------------------------------

    def _vault(self, *, create: bool) -> Vault:
        path = self.path / KEY_FILE
        try:
            return Vault(path.read_bytes().strip())
        except FileNotFoundError:
            if not create:
                raise NotEnrolled(
                    f"no collector key in {self.path}: run `ictmon collector enrol URL --code CODE`"
                ) from None
        self.prepare()
        key = Fernet.generate_key()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile: use theirs
            return Vault(path.read_bytes().strip())
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        return Vault(key)

    # -- enrolment ----------------------------------------------------------------------------

    def save_enrolment(self, enrolled: Enrolled) -> None:
        vault = self._vault(create=True)
        token = vault.encrypt(enrolled.token)
        assert token is not None  # a token is never empty (protocol.parse_enrolment)
        data = {
            "central": enrolled.central,
            "name": enrolled.name,
            "collector_id": enrolled.collector_id,
            "sites": list(enrolled.sites),
            "token": token.decode("ascii"),
        }
        self._write(ENROLMENT_FILE, json.dumps(data, indent=2).encode())
        # A new enrolment starts clean: another collector's config and status do not apply.
        for stale in (CONFIG_FILE, STATUS_FILE, HINTS_FILE, BACKUPS_FILE):
            (self.path / stale).unlink(missing_ok=True)

    def enrolment(self) -> Enrolled:
        path = self.path / ENROLMENT_FILE
        try:
            data = json.loads(path.read_text())
            token = self._vault(create=False).decrypt(data["token"].encode("ascii"))
            return Enrolled(
                central=str(data["central"]),
                name=str(data["name"]),
                collector_id=int(data["collector_id"]),
                sites=tuple(str(s) for s in data["sites"]),
                token=token or "",
            )
        except FileNotFoundError:
            raise NotEnrolled(
                f"this machine is not enrolled (no {path}): run "
                "`ictmon collector enrol URL --code CODE` with the code the central gave"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError, SecretsError) as exc:
            raise NotEnrolled(
                f"{path} cannot be read ({exc}): enrol again with a new code"
            ) from None

    def enrolment_stamp(self) -> float | None:
        """Changes when the enrolment file is replaced (a runner notices a new enrolment)."""
        try:
            return (self.path / ENROLMENT_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            return None

    # -- the configuration ------------------------------------------------------------------

    def save_config(self, document: ConfigDocument) -> None:
        plain = json.dumps(document.to_json(), separators=(",", ":"))
        sealed = self._vault(create=True).encrypt(plain)
        assert sealed is not None
        self._write(CONFIG_FILE, sealed)

    def config(self) -> ConfigDocument | None:
        """The last configuration the central sent, or None (none yet, or unreadable)."""
        try:
            sealed = (self.path / CONFIG_FILE).read_bytes()
            plain = self._vault(create=False).decrypt(sealed)
            return parse_config(json.loads(plain or "null"))
        except (FileNotFoundError, NotEnrolled, SecretsError, ValueError, ProtocolError):
            return None

    # -- the runner's status ----------------------------------------------------------------

    def status(self) -> RunStatus:
        try:
            return RunStatus.from_json(json.loads((self.path / STATUS_FILE).read_text()))
        except (FileNotFoundError, ValueError):
            return RunStatus()

    def save_status(self, status: RunStatus) -> None:
        self._write(STATUS_FILE, json.dumps(status.to_json(), indent=2).encode())

    def update_status(self, **changes: Any) -> RunStatus:
        status = replace(self.status(), **changes)
        self.save_status(status)
        return status

    # -- SNMP hints ---------------------------------------------------------------------------

    def snmp_hints(self) -> dict[str, Any]:
        try:
            data = json.loads((self.path / HINTS_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_snmp_hints(self, hints: dict[str, Any]) -> None:
        self._write(HINTS_FILE, json.dumps(hints, separators=(",", ":")).encode())

    # -- SSH backups --------------------------------------------------------------------------

    def backup_marks(self) -> dict[str, Any]:
        """monitor.agent.plans.BackupMark per device id, as JSON (no secret in it)."""
        try:
            data = json.loads((self.path / BACKUPS_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_backup_marks(self, marks: dict[str, Any]) -> None:
        self._write(BACKUPS_FILE, json.dumps(marks, separators=(",", ":")).encode())

    # -- plumbing -----------------------------------------------------------------------------

    def _write(self, name: str, content: bytes) -> None:
        self.prepare()
        target = self.path / name
        temporary = self.path / f".{name}.{os.getpid()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
