-- JSON functions and operators.
SELECT json(' { "a" : [1, 2.5, "x", null, true] } ');
> {"a":[1,2.5,"x",null,true]}
SELECT json_valid('{"a":1}'), json_valid('{a:1}'), json_valid(NULL);
> 1|0|NULL
SELECT json_extract('{"a":{"b":[10,20,30]}}', '$.a.b[1]'), json_extract('{"a":1}', '$.nope');
> 20|NULL
SELECT json_extract('{"a":[1,2]}', '$.a'), json_extract('{"a":1,"b":2}', '$.a', '$.b');
> [1,2]|[1,2]
SELECT '{"a":{"b":"x"}}' -> '$.a', '{"a":{"b":"x"}}' -> '$.a.b', '{"a":{"b":"x"}}' ->> '$.a.b';
> {"b":"x"}|"x"|x
SELECT '[1,2,3]' -> 1, '[1,2,3]' ->> 2, '{"k":"v"}' ->> 'k';
> 2|3|v
SELECT json_type('{"a":[1]}'), json_type('{"a":[1]}', '$.a'), json_type('1.5'), json_type('"s"');
> object|array|real|text
SELECT json_array(1, 'two', NULL, 2.5), json_array_length('[1,2,3]'), json_array_length('{"a":[1,2]}', '$.a');
> [1,"two",null,2.5]|3|2
SELECT json_object('a', 1, 'b', 'x', 'c', json_array(1, 2));
> {"a":1,"b":"x","c":[1,2]}
SELECT json_set('{"a":1}', '$.b', 2), json_insert('{"a":1}', '$.a', 9), json_replace('{"a":1}', '$.a', 9);
> {"a":1,"b":2}|{"a":1}|{"a":9}
SELECT json_remove('{"a":1,"b":2}', '$.a'), json_remove('[1,2,3]', '$[0]');
> {"b":2}|[2,3]
SELECT json_quote('it''s'), json_quote(3.5), json_quote(NULL);
> "it's"|3.5|null
SELECT key, value, type FROM json_each('{"x":1,"y":[2,3],"z":null}');
> x|1|integer
> y|[2,3]|array
> z|NULL|null
SELECT key, value, type, path FROM json_tree('{"a":{"b":1}}') ORDER BY path, key;
> NULL|{"a":{"b":1}}|object|$
> a|{"b":1}|object|$
> b|1|integer|$.a
SELECT sum(value) FROM json_each('[1,2,3,4]');
> 10
CREATE TABLE docs(id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO docs VALUES (1, '{"name":"ann","tags":["a","b"]}'), (2, '{"name":"bob","tags":[]}');
SELECT id, body ->> '$.name', json_array_length(body, '$.tags') FROM docs ORDER BY id;
> 1|ann|2
> 2|bob|0
SELECT d.id, t.value FROM docs d, json_each(d.body, '$.tags') t ORDER BY d.id, t.key;
> 1|a
> 1|b
SELECT id FROM docs WHERE body ->> 'name' = 'bob';
> 2
SELECT json('{"a":');
> Error: malformed JSON
SELECT json_extract('{"a":1}', 'bad path');
> Error: bad JSON path: 'bad path'
