-- Foreign keys, enforced with PRAGMA foreign_keys = ON.
PRAGMA foreign_keys = ON;
CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE child(id INTEGER PRIMARY KEY, pid REFERENCES parent(id) ON DELETE CASCADE ON UPDATE CASCADE, pname REFERENCES parent(name) ON DELETE SET NULL);
CREATE TABLE strict_child(pid REFERENCES parent ON DELETE RESTRICT);
CREATE TABLE def_child(pid INTEGER DEFAULT 0 REFERENCES parent(id) ON DELETE SET DEFAULT);
INSERT INTO parent VALUES (0, 'zero'), (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO child VALUES (10, 1, 'one'), (11, 2, 'two'), (12, NULL, NULL);
-- sqlite: differs (TurDB names the foreign key; SQLite says only "FOREIGN KEY constraint failed")
INSERT INTO child VALUES (13, 99, NULL);
> Error: FOREIGN KEY constraint failed: child(pid) references parent
-- sqlite: differs (TurDB names the foreign key; SQLite says only "FOREIGN KEY constraint failed")
INSERT INTO child VALUES (13, NULL, 'ninety-nine');
> Error: FOREIGN KEY constraint failed: child(pname) references parent
-- sqlite: differs (TurDB names the foreign key; SQLite says only "FOREIGN KEY constraint failed")
UPDATE child SET pid = 42 WHERE id = 10;
> Error: FOREIGN KEY constraint failed: child(pid) references parent
INSERT INTO strict_child VALUES (3);
INSERT INTO def_child VALUES (2);
-- CASCADE follows an update of the key.
UPDATE parent SET id = 100 WHERE id = 1;
SELECT * FROM child ORDER BY id;
> 10|100|one
> 11|2|two
> 12|NULL|NULL
-- CASCADE, SET NULL and SET DEFAULT on delete.
DELETE FROM parent WHERE id = 2;
SELECT * FROM child ORDER BY id;
> 10|100|one
> 12|NULL|NULL
SELECT * FROM def_child;
> 0
-- RESTRICT refuses.
-- sqlite: differs (TurDB names the foreign key; SQLite says only "FOREIGN KEY constraint failed")
DELETE FROM parent WHERE id = 3;
> Error: FOREIGN KEY constraint failed: parent still referenced by strict_child
SELECT count(*) FROM parent;
> 3
PRAGMA foreign_key_list(child);
> 0|0|parent|pname|name|NO ACTION|SET NULL|NONE
> 1|0|parent|pid|id|CASCADE|CASCADE|NONE
-- With enforcement off, nothing is checked.
PRAGMA foreign_keys = OFF;
INSERT INTO child VALUES (20, 12345, NULL);
SELECT pid FROM child WHERE id = 20;
> 12345
