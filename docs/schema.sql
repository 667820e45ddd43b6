-- Argus reference pipeline schema, version 1.
-- The pipeline owns this database; Argus only reads it. Tables are
-- append-only logs keyed by INTEGER PRIMARY KEY.
CREATE TABLE submissions (          -- work an agent hands in
  id          INTEGER PRIMARY KEY,
  created_at  TEXT    NOT NULL,     -- when it was handed in
  agent       TEXT    NOT NULL,
  domain      TEXT    NOT NULL,     -- knowledge area, e.g. 'ai-alignment'
  item        TEXT    NOT NULL      -- stable key of the work item; a retry repeats it
);
CREATE TABLE reviews (              -- the evaluator's verdict on a submission
  id             INTEGER PRIMARY KEY,
  submission_id  INTEGER NOT NULL REFERENCES submissions(id),
  reviewed_at    TEXT    NOT NULL,
  verdict        TEXT    NOT NULL,  -- 'approved' or 'rejected'
  reason         TEXT,              -- rejection reason code; NULL when approved
  score          REAL,              -- quality score in [0,1]; may be NULL
  note           TEXT               -- reviewer's free text; may be NULL
);
CREATE TABLE costs (                -- one row per model call or billed step
  id             INTEGER PRIMARY KEY,
  incurred_at    TEXT    NOT NULL,
  agent          TEXT    NOT NULL,
  model          TEXT,
  usd            REAL    NOT NULL,
  input_tokens   INTEGER,
  output_tokens  INTEGER
);
