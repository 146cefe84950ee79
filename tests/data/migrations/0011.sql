-- A workspace as revision 0011 left it: as 0010, with a source, an acknowledged message, a joined id and a pending event.
INSERT INTO settings (key, value) VALUES ('timezone', '"Europe/Berlin"');
INSERT INTO contacts (id, email, fields, last_activity, timers, admitted, history, next_due, created_at, updated_at, version)
  VALUES (1, 'ada@old.test', '{"email": "ada@old.test", "first_name": "Ada", "score": 5, "tags": [], "consent_email": "subscribed"}',
          '2026-03-01 09:00:00.000000', '[]', 1, '{}', '2026-03-02 09:00:00.000000', '2026-03-01 09:00:00.000000', '2026-03-01 09:00:00.000000', 3);
INSERT INTO journeys (key, name, draft, revision, updated_at, updated_by, editors)
  VALUES ('old', 'Old journey', '{"format": "switchback.journey/1", "key": "old", "name": "Old journey", "nodes": [{"id": "all", "kind": "trigger.manual", "config": {}}, {"id": "d", "kind": "wait.delay", "config": {"duration": "1d"}}, {"id": "m", "kind": "action.email", "config": {"connector": "smtp", "subject": "Hi {{ contact.first_name }}", "body": "."}}], "edges": [{"from": "all", "to": "d"}, {"from": "d", "to": "m"}]}', 1, '2026-03-01 09:00:00.000000', 'ada', '[]');
INSERT INTO journey_versions (id, key, version, document, published_at, published_by, approved_by, note)
  SELECT 1, key, 1, draft, updated_at, 'ada', 'grace', 'First version' FROM journeys WHERE key = 'old';
INSERT INTO approvals (id, key, revision, by, at) VALUES (1, 'old', 1, 'grace', '2026-03-01 08:30:00.000000');
INSERT INTO enrollments (id, contact_id, journey, version, node, state, due, wait_event, wait_where, on_event, on_time, held, entered_at, ended_at, error, seq, event)
  VALUES ('e1', 1, 'old', 1, 'd', 'active', '2026-03-02 09:00:00.000000', NULL, NULL, NULL, 'next', false, '2026-03-01 09:00:00.000000', NULL, NULL, 1,
          '{"type": "form_submitted", "at": {"$datetime": "2026-03-01T09:00:00+00:00"}, "properties": {"form": "ebook"}}');
INSERT INTO steps (contact_id, enrollment_id, journey, node, at, what, detail)
  VALUES (1, 'e1', 'old', 'd', '2026-03-01 09:00:00.000000', 'waiting', 'waiting until 2026-03-02 09:00 UTC');
INSERT INTO erasures (id, hash, at, by, consent) VALUES (1, 'abababababababababababababababababababababababababababababababab', '2026-02-20 09:00:00.000000', 'dpo', '{"email": "subscribed", "sms": "unknown"}');
INSERT INTO journey_controls (id, key, action, at, by, note) VALUES (1, 'old', 'paused', '2026-03-01 10:00:00.000000', 'ada', NULL), (2, 'old', 'resumed', '2026-03-01 11:00:00.000000', 'ada', NULL);
INSERT INTO intake_sources (id, name, key_hash, created_at) VALUES (1, 'website', '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', '2026-03-01 08:00:00.000000');
INSERT INTO intake_messages (message_id, at) VALUES ('msg-1', '2026-03-01 09:00:00.000000');
INSERT INTO intake_ids (id, contact_id, same_as) VALUES ('user-1', 1, NULL), ('anon-9', NULL, 'user-9');
INSERT INTO intake_pending (id, external_id, type, at, properties) VALUES (1, 'anon-7', 'page_view', '2026-03-01 09:30:00.000000', '{"url": "/pricing"}');
INSERT INTO intake_log (id, at, source, line) VALUES (1, '2026-03-01 09:31:00.000000', 'website', 'batch item 3: a track needs event');
