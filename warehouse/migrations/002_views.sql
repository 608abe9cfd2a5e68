-- The public views of shared/contract.md §3. They may only grow: add columns at the end.

CREATE OR REPLACE VIEW v_documents AS
SELECT d.doc_id,
       d.source_id,
       d.url,
       d.title,
       d.published_date,
       d.content_source,
       d.column_name,
       d.first_seen AS fetched_at,
       c.is_cooperation,
       CASE WHEN c.is_cooperation THEN pd.project_id END AS project_id
FROM documents d
LEFT JOIN document_coding c USING (doc_id)
LEFT JOIN project_documents pd USING (doc_id);

CREATE OR REPLACE VIEW v_projects AS
SELECT p.project_id,
       p.title,
       p.signed_date,
       p.year,
       p.themes,
       p.primary_theme,
       p.mode,
       p.agreement_type,
       p.confidence,
       p.review_status,
       CAST((SELECT count(*) FROM participants pa
             WHERE pa.project_id = p.project_id AND pa.role <> 'witness') AS INTEGER) AS n_participants,
       (SELECT list(d.url ORDER BY d.published_date, d.doc_id)
          FROM project_documents pd JOIN documents d USING (doc_id)
         WHERE pd.project_id = p.project_id) AS source_urls,
       p.in_scope
FROM projects p;

CREATE OR REPLACE VIEW v_project_participants AS
SELECT pa.project_id,
       pa.institution_id,
       i.name AS institution,
       pa.role,
       i.institution_type,
       i.sector,
       i.province,
       i.prefecture,
       i.county,
       i.division_code
FROM participants pa
JOIN institutions i USING (institution_id);

CREATE OR REPLACE VIEW v_rankings AS
SELECT m.period, m.level, m.node, m.n_projects, m.share, m.degree, m.n_alters, m.degree_norm,
       m."constraint", m.effective_size, m.efficiency, m.betweenness, m.rank_projects, m.rank_degree
FROM node_metrics m
JOIN network_snapshots s ON s.snapshot_id = m.snapshot_id AND s.is_current;

CREATE OR REPLACE VIEW v_themes AS
SELECT t.period, t.theme, t.n_projects, t.share, t.n_projects_any
FROM snapshot_themes t
JOIN network_snapshots s ON s.snapshot_id = t.snapshot_id AND s.is_current;

CREATE OR REPLACE VIEW v_modes AS
SELECT m.period, m.mode, m.n_projects, m.share
FROM snapshot_modes m
JOIN network_snapshots s ON s.snapshot_id = m.snapshot_id AND s.is_current;

CREATE OR REPLACE VIEW v_yearly AS
SELECT y.year, y.n_projects, y.n_new_institutions, y.n_edges
FROM snapshot_yearly y
JOIN network_snapshots s ON s.snapshot_id = y.snapshot_id AND s.is_current;

CREATE OR REPLACE VIEW v_runs AS
SELECT run_id, flow, started_at, finished_at, status, pages_fetched, new_documents,
       changed_documents, new_projects, errors
FROM runs;
