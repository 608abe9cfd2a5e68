-- healthcoop warehouse, schema version 1.
-- Tables are internal (they may change through later migrations); analysts use the v_* views
-- of 002_views.sql, which may only grow. No secondary indexes: DuckDB's zonemaps serve the
-- analytical queries, and explicit indexes block later ALTERs (see research notes §8.4).

CREATE SEQUENCE IF NOT EXISTS seq_raw_page START 1;
CREATE SEQUENCE IF NOT EXISTS seq_run START 1;
CREATE SEQUENCE IF NOT EXISTS seq_problem START 1;
CREATE SEQUENCE IF NOT EXISTS seq_snapshot START 1;
CREATE SEQUENCE IF NOT EXISTS seq_override START 1;

-- One row per flow run (nightly, backfill, recode, recompute, demo).
CREATE TABLE runs (
    run_id             BIGINT PRIMARY KEY,
    flow               VARCHAR NOT NULL,
    started_at         TIMESTAMP NOT NULL,
    finished_at        TIMESTAMP,
    status             VARCHAR NOT NULL,          -- running | completed | partial | failed | crashed
    params             JSON,
    pages_fetched      INTEGER DEFAULT 0,
    new_documents      INTEGER DEFAULT 0,
    changed_documents  INTEGER DEFAULT 0,
    new_projects       INTEGER DEFAULT 0,
    errors             INTEGER DEFAULT 0,
    summary            JSON
);

-- Every HTTP response (or failure) exactly as received, stored before any parsing.
CREATE TABLE raw_pages (
    raw_page_id   BIGINT PRIMARY KEY,
    run_id        BIGINT,
    source_id     VARCHAR NOT NULL,
    page_kind     VARCHAR NOT NULL,               -- list | article | robots
    column_path   VARCHAR,
    url           VARCHAR NOT NULL,
    url_path      VARCHAR NOT NULL,               -- host-independent identity of the page
    final_url     VARCHAR,
    fetched_at    TIMESTAMP NOT NULL,
    outcome       VARCHAR NOT NULL,               -- ok | not_modified | challenged | http_error | ...
    http_status   INTEGER,
    headers       JSON,
    content_type  VARCHAR,
    encoding      VARCHAR,
    sha256        VARCHAR,
    body          BLOB,
    error         VARCHAR
);

-- Conditional-GET validators of a column's first list page, saved after a complete walk.
CREATE TABLE http_validators (
    url            VARCHAR PRIMARY KEY,
    etag           VARCHAR,
    last_modified  VARCHAR,
    saved_at       TIMESTAMP NOT NULL
);

-- One row per distinct article (source + canonical URL path), with its latest parsed fields.
CREATE TABLE documents (
    doc_id          VARCHAR PRIMARY KEY,
    source_id       VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    url_path        VARCHAR NOT NULL,
    column_name     VARCHAR,
    title           VARCHAR,
    published_date  DATE,
    signed_date     DATE,
    content_source  VARCHAR,
    body_text       VARCHAR,
    attachments     JSON,
    meta            JSON,
    problems        JSON,
    sha256          VARCHAR,
    raw_page_id     BIGINT,
    version         INTEGER NOT NULL DEFAULT 1,
    first_seen      TIMESTAMP NOT NULL,
    last_seen       TIMESTAMP NOT NULL,
    UNIQUE (source_id, url_path)
);

-- Every distinct content of a document; a changed page adds a version, never overwrites one.
CREATE TABLE document_versions (
    doc_id          VARCHAR NOT NULL,
    version         INTEGER NOT NULL,
    raw_page_id     BIGINT,
    sha256          VARCHAR,
    title           VARCHAR,
    published_date  DATE,
    body_text       VARCHAR,
    fetched_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (doc_id, version)
);

-- Pages that failed to fetch or parse, and fields found missing.
CREATE TABLE problems (
    problem_id   BIGINT PRIMARY KEY,
    run_id       BIGINT,
    source_id    VARCHAR,
    url          VARCHAR,
    kind         VARCHAR NOT NULL,                -- fetch | parse | field | challenge | empty | ...
    message      VARCHAR NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);

-- Articles listed but not fetched after every retry; incremental runs ask for them again
-- until they are stored (a row stays for the record; stored ones are no longer owed).
CREATE TABLE unfetched_articles (
    source_id       VARCHAR NOT NULL,
    url_path        VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    column_path     VARCHAR NOT NULL,
    title           VARCHAR,
    published_date  DATE,
    message         VARCHAR,
    attempts        INTEGER NOT NULL,
    last_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (source_id, url_path)
);

-- Per source and run: what the crawl saw (the basis of per-source health).
CREATE TABLE source_health (
    run_id             BIGINT NOT NULL,
    source_id          VARCHAR NOT NULL,
    status             VARCHAR NOT NULL,          -- ok | empty | challenged | broken | error
    message            VARCHAR,
    pages_fetched      INTEGER,
    not_modified       INTEGER,
    items_found        INTEGER,
    new_documents      INTEGER,
    changed_documents  INTEGER,
    parse_failures     INTEGER,
    field_pass_rates   JSON,
    recorded_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, source_id)
);

-- Finished units of a resumable backfill (a month of one source).
CREATE TABLE backfill_chunks (
    source_id    VARCHAR NOT NULL,
    chunk_start  DATE NOT NULL,
    chunk_end    DATE NOT NULL,
    refetch      BOOLEAN NOT NULL DEFAULT FALSE,
    run_id       BIGINT,
    finished_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source_id, chunk_start, chunk_end, refetch)
);

-- robots.txt verdicts per origin (scrapers.robots.RobotsCache rows), kept between runs so a
-- no-change nightly costs one request per column; entries expire by their fetched_at.
CREATE TABLE robots_cache (
    origin      VARCHAR PRIMARY KEY,
    entry       JSON NOT NULL,
    fetched_at  TIMESTAMP NOT NULL
);

-- Administrative divisions (GB/T 2260), loaded from analysis/data/divisions.csv.
CREATE TABLE divisions (
    division_code  VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    level          VARCHAR NOT NULL,              -- province | prefecture | county
    parent_code    VARCHAR,
    province       VARCHAR,
    prefecture     VARCHAR
);

CREATE TABLE institutions (
    institution_id    VARCHAR PRIMARY KEY,
    name              VARCHAR NOT NULL,
    institution_type  VARCHAR,
    sector            VARCHAR,
    province          VARCHAR,
    prefecture        VARCHAR,
    county            VARCHAR,
    division_code     VARCHAR
);

CREATE TABLE institution_aliases (
    alias           VARCHAR NOT NULL,
    institution_id  VARCHAR NOT NULL,
    PRIMARY KEY (alias, institution_id)
);

-- Coding result per document (is it a cooperation agreement, with evidence).
CREATE TABLE document_coding (
    doc_id           VARCHAR PRIMARY KEY,
    is_cooperation   BOOLEAN NOT NULL,
    relevance_score  DOUBLE,
    evidence         JSON,
    project_id       VARCHAR,
    coder_version    VARCHAR NOT NULL,
    coded_at         TIMESTAMP NOT NULL
);

CREATE TABLE projects (
    project_id      VARCHAR PRIMARY KEY,
    title           VARCHAR,
    signed_date     DATE,
    year            INTEGER,
    themes          VARCHAR[],
    primary_theme   VARCHAR,
    mode            VARCHAR,
    agreement_type  VARCHAR,
    confidence      DOUBLE,
    review_status   VARCHAR,
    in_scope        BOOLEAN,
    evidence        JSON,
    coder_version   VARCHAR NOT NULL,
    first_coded_at  TIMESTAMP NOT NULL,
    coded_at        TIMESTAMP NOT NULL
);

CREATE TABLE project_documents (
    doc_id      VARCHAR PRIMARY KEY,
    project_id  VARCHAR NOT NULL
);

CREATE TABLE participants (
    project_id      VARCHAR NOT NULL,
    institution_id  VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,
    PRIMARY KEY (project_id, institution_id)
);

-- Manual corrections; applied after every coding run, so they survive recoding.
CREATE TABLE review_overrides (
    override_id  BIGINT PRIMARY KEY,
    target       VARCHAR NOT NULL,                -- document | project
    target_id    VARCHAR NOT NULL,
    field        VARCHAR NOT NULL,
    value        JSON,
    note         VARCHAR,
    author       VARCHAR,
    created_at   TIMESTAMP NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE
);

-- One recompute of the network; the current one backs the ranking views.
CREATE TABLE network_snapshots (
    snapshot_id    BIGINT PRIMARY KEY,
    fingerprint    VARCHAR NOT NULL,
    coder_version  VARCHAR,
    params         JSON,
    created_at     TIMESTAMP NOT NULL,
    run_id         BIGINT,
    n_projects     INTEGER,
    is_current     BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE node_metrics (
    snapshot_id     BIGINT NOT NULL,
    period          VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    node            VARCHAR NOT NULL,
    n_projects      INTEGER,
    share           DOUBLE,
    degree          DOUBLE,
    n_alters        INTEGER,
    degree_norm     DOUBLE,
    "constraint"    DOUBLE,
    effective_size  DOUBLE,
    efficiency      DOUBLE,
    betweenness     DOUBLE,
    rank_projects   INTEGER,
    rank_degree     INTEGER,
    extra           JSON,                         -- further measures (hierarchy, whole-model values, labels)
    PRIMARY KEY (snapshot_id, period, level, node)
);

CREATE TABLE network_nodes (
    snapshot_id  BIGINT NOT NULL,
    period       VARCHAR NOT NULL,
    level        VARCHAR NOT NULL,
    node         VARCHAR NOT NULL,
    label        VARCHAR,
    node_type    VARCHAR,
    sector       VARCHAR,
    province     VARCHAR,
    prefecture   VARCHAR,
    county       VARCHAR,
    PRIMARY KEY (snapshot_id, period, level, node)
);

CREATE TABLE network_edges (
    snapshot_id  BIGINT NOT NULL,
    period       VARCHAR NOT NULL,
    level        VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    target       VARCHAR NOT NULL,
    weight       DOUBLE NOT NULL,
    PRIMARY KEY (snapshot_id, period, level, source, target)
);

CREATE TABLE snapshot_themes (
    snapshot_id     BIGINT NOT NULL,
    period          VARCHAR NOT NULL,
    theme           VARCHAR NOT NULL,
    n_projects      INTEGER,                     -- by primary theme, as the paper's Table 2
    share           DOUBLE,
    n_projects_any  INTEGER,                     -- projects touching the theme at all (multi-label)
    PRIMARY KEY (snapshot_id, period, theme)
);

CREATE TABLE snapshot_modes (
    snapshot_id  BIGINT NOT NULL,
    period       VARCHAR NOT NULL,
    mode         VARCHAR NOT NULL,
    n_projects   INTEGER,
    share        DOUBLE,
    PRIMARY KEY (snapshot_id, period, mode)
);

CREATE TABLE snapshot_yearly (
    snapshot_id         BIGINT NOT NULL,
    year                INTEGER NOT NULL,
    n_projects          INTEGER,
    n_new_institutions  INTEGER,
    n_edges             INTEGER,
    PRIMARY KEY (snapshot_id, year)
);

CREATE TABLE snapshot_summary (
    snapshot_id  BIGINT NOT NULL,
    period       VARCHAR NOT NULL,
    level        VARCHAR NOT NULL,
    metrics      JSON,                            -- density, components, centralization, ...
    PRIMARY KEY (snapshot_id, period, level)
);
