"""Generates a WordPress export of N posts (default 10,000) and times
`newsroom import-wordpress` on it into an empty SQLite database, with its
peak memory. Usage: python3 bench/wordpress.py [N]. Standard library only."""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "newsroom"
POSTS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Bench</title><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login><![CDATA[writer]]></wp:author_login><wp:author_email><![CDATA[writer@bench.example]]></wp:author_email><wp:author_display_name><![CDATA[Writer]]></wp:author_display_name></wp:author>
"""
CATEGORIES = "".join(
    f"<wp:category><wp:category_nicename><![CDATA[section-{n}]]></wp:category_nicename><wp:category_parent><![CDATA[{'' if n < 10 else f'section-{n % 10}'}]]></wp:category_parent><wp:cat_name><![CDATA[Section {n}]]></wp:cat_name></wp:category>\n"
    for n in range(50)
)
PARAGRAPH = "<p>Lawmakers met again on Tuesday to discuss the <strong>budget</strong>, and the <a href=\"https://example.com/?a=1&amp;b=2\">report</a> was published.</p>\n"


def item(n):
    body = "<!-- wp:paragraph -->\n" + PARAGRAPH * 12 + "<!-- /wp:paragraph -->"
    return (
        f"<item><title><![CDATA[Post number {n}]]></title><dc:creator><![CDATA[writer]]></dc:creator>"
        f"<content:encoded><![CDATA[<h2>Part {n}</h2>\n{body}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>"
        f"<wp:post_id>{n}</wp:post_id><wp:post_date><![CDATA[2026-01-01 10:00:00]]></wp:post_date>"
        f"<wp:post_date_gmt><![CDATA[2026-01-01 08:00:00]]></wp:post_date_gmt><wp:post_name><![CDATA[post-number-{n}]]></wp:post_name>"
        f"<wp:status><![CDATA[publish]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type>"
        f"<category domain=\"category\" nicename=\"section-{n % 50}\"><![CDATA[Section {n % 50}]]></category>"
        f"<category domain=\"post_tag\" nicename=\"tag-{n % 300}\"><![CDATA[Tag {n % 300}]]></category></item>\n"
    )


def main():
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.xml"
        with export.open("w") as out:
            out.write(HEAD + CATEGORIES)
            for n in range(1, POSTS + 1):
                out.write(item(n))
            out.write("</channel></rss>\n")
        env = dict(os.environ, NEWSROOM_DATABASE_URL=str(Path(folder) / "site.db"), NEWSROOM_LOG="warn")
        started = time.time()
        run = subprocess.run(["/usr/bin/time", "-v", BIN, "import-wordpress", export], env=env, capture_output=True, text=True)
        seconds = time.time() - started
        if run.returncode != 0:
            sys.exit(run.stderr)
        peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1)) / 1024
        again = subprocess.run([BIN, "import-wordpress", export], env=env, capture_output=True, text=True)
        print(f"{POSTS:,} posts, {export.stat().st_size / 1e6:.1f} MB export: imported in {seconds:.1f} s, peak RSS {peak:.0f} MiB")
        print(run.stdout.strip())
        print("second import:", again.stdout.strip().replace("\n", "; "))


if __name__ == "__main__":
    main()
