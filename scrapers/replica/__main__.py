"""``python -m scrapers.replica``: serve every replica site until Ctrl-C (for humans poking around)."""
from __future__ import annotations

import argparse
import sys
import threading

from scrapers.registry import RegistryError, load_sources
from scrapers.replica.corpus import DEFAULT_CORPUS_DIR
from scrapers.replica.render import DEFAULT_PAGE_SIZE
from scrapers.replica.server import start_replicas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrapers.replica", description=__doc__)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS_DIR), help="corpus directory (default: %(default)s)")
    parser.add_argument("--sources", help="source registry file (default: the bundled scrapers/sources.yaml)")
    parser.add_argument("--port-base", type=int, help="listen on consecutive ports from N (default: random free ports)")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE, help="items per list page (default: %(default)s)")
    parser.add_argument("--write-sources", metavar="FILE", help="also write a registry file pointing at the replicas")
    args = parser.parse_args(argv)
    try:
        sources = load_sources(args.sources)
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.page_size < 1:
        print(f"error: --page-size must be >= 1 (got {args.page_size})", file=sys.stderr)
        return 2
    try:
        replicas = start_replicas(args.corpus, sources, page_size=args.page_size, port_base=args.port_base)
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1 from port {args.port_base}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    with replicas:
        for error in replicas.errors:
            print(f"warning: {error}", file=sys.stderr)
        if not replicas.servers:
            print(f"error: no corpus articles for any source in {args.corpus}", file=sys.stderr)
            return 2
        for source in replicas.sources_with_local_urls():
            print(f"{source.id:<10} {source.base_url}/   ({source.cms}; {len(source.columns)} columns)")
        if args.write_sources:
            print(f"registry written to {replicas.write_sources_file(args.write_sources)}")
        print("serving; press Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
