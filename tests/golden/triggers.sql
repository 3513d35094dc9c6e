-- Row triggers fire with NEW and OLD.
CREATE TABLE acct(id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER);
CREATE TABLE audit(seq INTEGER PRIMARY KEY, what TEXT);
CREATE TRIGGER acct_ins AFTER INSERT ON acct BEGIN
  INSERT INTO audit(what) VALUES ('insert ' || new.owner || ' ' || new.balance);
END;
CREATE TRIGGER acct_upd AFTER UPDATE OF balance ON acct WHEN new.balance <> old.balance BEGIN
  INSERT INTO audit(what) VALUES ('balance ' || old.owner || ' ' || old.balance || '->' || new.balance);
END;
CREATE TRIGGER acct_del BEFORE DELETE ON acct BEGIN
  SELECT RAISE(ABORT, 'cannot delete a funded account') WHERE old.balance > 0;
  INSERT INTO audit(what) VALUES ('delete ' || old.owner);
END;
CREATE TRIGGER acct_neg BEFORE UPDATE ON acct WHEN new.balance < 0 BEGIN
  SELECT RAISE(IGNORE);
END;
INSERT INTO acct VALUES (1, 'ann', 10), (2, 'bob', 0);
UPDATE acct SET balance = balance + 5;
UPDATE acct SET owner = 'ANN' WHERE id = 1;
UPDATE acct SET balance = -1 WHERE id = 2;
DELETE FROM acct WHERE id = 1;
> Error: cannot delete a funded account
DELETE FROM acct WHERE id = 2;
> Error: cannot delete a funded account
UPDATE acct SET balance = 0 WHERE id = 1;
DELETE FROM acct;
> Error: cannot delete a funded account
SELECT * FROM audit ORDER BY seq;
> 1|insert ann 10
> 2|insert bob 0
> 3|balance ann 10->15
> 4|balance bob 0->5
> 5|balance ANN 15->0
SELECT * FROM acct;
> 1|ANN|0
> 2|bob|5
-- INSTEAD OF triggers make a view writable.
CREATE TABLE items(name TEXT, qty INTEGER);
CREATE VIEW stock AS SELECT name, qty FROM items;
CREATE TRIGGER stock_ins INSTEAD OF INSERT ON stock BEGIN
  INSERT INTO items VALUES (upper(new.name), new.qty * 2);
END;
INSERT INTO stock VALUES ('nut', 3);
SELECT * FROM items;
> NUT|6
-- Triggers that write their own table, and recursion limits.
CREATE TABLE cnt(n);
CREATE TRIGGER cnt_ins AFTER INSERT ON cnt WHEN new.n < 5 BEGIN
  INSERT INTO cnt VALUES (new.n + 1);
END;
INSERT INTO cnt VALUES (1);
SELECT group_concat(n) FROM cnt;
> 1,2
DROP TRIGGER acct_upd;
SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name;
> acct_del
> acct_ins
> acct_neg
> cnt_ins
> stock_ins
CREATE TRIGGER bad AFTER INSERT ON nope BEGIN SELECT 1; END;
> Error: no such table: main.nope
