"""JSON log lines on stdout: one object per line with ts, level, service, request_id, msg.

The runtime collects stdout into `logs/<svc>.log`; the CLI, TUI and checks read them back, so the
shape is part of the kit's contract. Extra fields are added flat (`status`, `ms`, `path`, ...).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

from workbench.servicekit.context import current_request_id

_FIELDS = "kit_fields"


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "request_id": current_request_id(),
            "msg": record.getMessage(),
        }
        if record.name not in ("servicekit", self.service):
            line["logger"] = record.name
        line.update(getattr(record, _FIELDS, {}))
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class KitLogger:
    """`kit.log.info("order stored", order_id=..)`: fields become keys of the JSON line."""

    def __init__(self, logger: logging.Logger, service: str) -> None:
        self._logger = logger
        self._service = service

    def _log(self, level: int, msg: str, fields: dict[str, Any], exc: bool = False) -> None:
        if self._logger.isEnabledFor(level):
            # The service rides on each line: several kits in one process (tests) stay apart.
            extra = {_FIELDS: {"service": self._service, **fields}}
            self._logger.log(level, msg, exc_info=exc, extra=extra, stacklevel=3)

    def debug(self, msg: str, **fields: Any) -> None:
        self._log(logging.DEBUG, msg, fields)

    def info(self, msg: str, **fields: Any) -> None:
        self._log(logging.INFO, msg, fields)

    def warning(self, msg: str, **fields: Any) -> None:
        self._log(logging.WARNING, msg, fields)

    def error(self, msg: str, **fields: Any) -> None:
        self._log(logging.ERROR, msg, fields)

    def exception(self, msg: str, **fields: Any) -> None:
        """Like error, with the current exception's traceback in the `error` field."""
        self._log(logging.ERROR, msg, fields, exc=True)


class StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at emit time (redirected or captured later)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(service: str) -> KitLogger:
    """Send the kit's, the service's and uvicorn's logs to stdout as JSON lines.

    uvicorn's own access log is switched off: the kit writes one richer line per request itself
    (with request id and duration), and two lines per request would only be noise.
    """
    level = getattr(logging, os.environ.get("LOG_LEVEL", "INFO").upper(), logging.INFO)
    handler = StdoutHandler()
    handler.setFormatter(JsonFormatter(service))
    for name in ("servicekit", "uvicorn", "uvicorn.error", "nats"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
    return KitLogger(logging.getLogger("servicekit"), service)
