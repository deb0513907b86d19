"""A test-only entry point: the real runtime (engine, store, outbox) with HTTP sinks.

One *run* feeds every message of the JSONL ``INPUT`` (each line: platform, space,
channel, id, author, age_band, text, ts) through ``Runtime.engine``, with the
``nonce`` platform delivered to the endpoint's deduplicating flavour and the
``plain`` platform to the one without keys, waits until the outbox is empty, prints
``done`` and exits 0. It is meant to be killed at any moment and started again on the
same data directory: it simply re-reads its input.

``python -m tests.e2e.crash_app DATA_DIR INPUT ENDPOINT`` is a launcher: it imports
everything once, then for each ``go`` line on standard input forks a child process
that does one run, prints ``pid N``, and when the child ends (or is killed) prints
``exit N STATUS``. Forking from a warm launcher makes a trial cost milliseconds of
start-up instead of a second of imports, so a test can afford many kills; the child
is still a separate process with its own database connection, killed for real.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from bot.config import Settings
from bot.messages import decode_message
from bot.models import Message
from bot.runtime import Runtime
from tests.e2e.fakes.endpoint import HttpSink, LookupHttpSink


def read_messages(path: Path) -> list[Message]:
    """Each line's fields through the message codec, on its own platform, as a DM with
    the author's id for a name."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [
        decode_message({**o, "author_name": o["author"], "dm": True}, o["platform"]) for o in lines
    ]


async def main(data_dir: Path, source: Path, endpoint: str) -> int:
    settings = Settings(
        storage={"data_dir": data_dir},
        detection={"scorer": "rules"},
        alerts={"flood_limit": 2, "cooldown_minutes": 0},
    )
    runtime = Runtime(settings)
    worker = runtime.worker
    worker.base_backoff, worker.max_backoff = 0.02, 0.2
    worker.digest_delay, worker.poll_seconds = 0.2, 0.05
    sinks = [HttpSink("nonce", endpoint), LookupHttpSink("plain", endpoint)]
    for sink in sinks:
        runtime.add_sink(sink)
    async with runtime:
        for message in read_messages(source):
            await runtime.engine.ingest(message)
        await runtime.engine.flush()
        while (await runtime.store.outbox_backlog())[0]:  # noqa: ASYNC110 (another task sends)
            await asyncio.sleep(0.05)
    for sink in sinks:
        await sink.close()
    print("done", flush=True)
    return 0


def launcher(data: Path, source: Path, endpoint: str) -> None:
    """Fork one run per ``go``; report each child's pid and exit status."""
    for line in sys.stdin:
        if line.strip() != "go":
            continue
        pid = os.fork()
        if pid == 0:  # the child: one run, then leave without the parent's cleanup
            code = 1
            try:
                code = asyncio.run(main(data, source, endpoint))
            finally:
                sys.stdout.flush()
                os._exit(code)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {pid} {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    data_dir, input_file, url = sys.argv[1:4]
    launcher(Path(data_dir), Path(input_file), url)
