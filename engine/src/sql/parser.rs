//! The parser: tokens to [`ast`](crate::sql::ast) trees, by recursive
//! descent over SQLite's grammar.
//!
//! SQLite's own parser is LALR (Lemon), and a few of its behaviours fall out
//! of that machinery rather than from rules one can read off; this parser
//! reproduces them on purpose, because stored schemas and the sqllogictest
//! corpus depend on them:
//!
//! - **Keywords as names.** Most keywords (SQLite's `%fallback ID` list:
//!   `key`, `action`, `replace`, `end`, `first`, ...) become identifiers
//!   wherever their keyword meaning does not fit; reserved ones (`select`,
//!   `from`, `not`, ...) never do; the join words and INDEXED name tables,
//!   columns and functions but are never an alias written without AS. The
//!   lexer classifies each keyword ([`KeywordClass`]) and the helpers
//!   `is_name`/`name`/`alias` below apply the class. Where a fallback
//!   keyword could start the next clause (WINDOW, FILTER, OVER, GENERATED,
//!   CURRENT ROW, ...) the parser looks ahead and prefers the keyword, as
//!   the LALR parser would by shifting it.
//! - **Precedence.** Binary operators are parsed by precedence climbing over
//!   SQLite's levels (lowest first): OR; AND; prefix NOT; the equality family
//!   (`= == != <> IS [NOT] [DISTINCT FROM] IN LIKE GLOB MATCH REGEXP BETWEEN
//!   ISNULL NOTNULL NOT NULL`); `< <= > >=`; `& | << >>`; `+ -`; `* / %`;
//!   `|| -> ->>`; postfix COLLATE; prefix `- + ~`. As in SQLite the prefix
//!   operators bind tighter than COLLATE (`-x COLLATE c` is `(-x) COLLATE
//!   c`), prefix NOT is looser than comparisons (`NOT a = b` is `NOT (a =
//!   b)`) and may appear as an operand (`a = NOT b`), and BETWEEN's first
//!   AND belongs to it.
//! - **NULL tests.** `ISNULL`, `NOTNULL`, `NOT NULL` and `IS [NOT] NULL`
//!   (with the NULL keyword itself as the operand) give [`Expr::IsNull`];
//!   any other `IS [NOT] expr`, including `IS (NULL)` and `IS [NOT]
//!   DISTINCT FROM NULL`, is a binary IS / IS NOT. `NOT EXISTS (...)` gives
//!   `Exists { not: true }`.
//! - **Numbers.** `-9223372036854775808` is the integer i64::MIN (the only
//!   case where a minus is folded into a literal; other negative numbers
//!   are `Unary(Neg, literal)`); decimal integers too big for an i64 are
//!   reals.
//! - **Parameters** are numbered per statement as SQLite does: `?` takes
//!   the largest index so far plus one, `?N` takes N, a named parameter
//!   takes the next index at its first occurrence and the same index after.
//! - **PRAGMA values**: a number is a literal (`-5` is `Unary(Neg, 5)`), a
//!   string is a text literal, and a bare word (any identifier or keyword:
//!   `ON`, `OFF`, `FULL`, `DELETE`, `true`) is an `Expr::Column` with that
//!   name as written.
//! - **DEFAULT** takes a literal, a signed number, `(expr)`, CURRENT_TIME /
//!   DATE / TIMESTAMP, TRUE / FALSE or a bare word, which SQLite stores as
//!   a string (`DEFAULT abc` is `DEFAULT 'abc'`).
//!
//! Errors say what was found, where and what was expected:
//! `near "FROM": syntax error at 1:8: expected an expression`, or
//! `incomplete input at 1:14: expected ")"` at the end of the text.
//!
//! The parser never panics, and it bounds its own recursion and the depth of
//! the trees it builds, so hostile input cannot overflow the stack — in
//! WebAssembly there is no guard page to turn that into a clean error, and
//! the default stack is 1 MiB. The budget is [`MAX_DEPTH`] = 1000 (SQLite's
//! expression depth limit): a parenthesis, a prefix operator or a binary
//! operator costs 1, a function call or CASE 2, a nested SELECT 10 more and
//! a parenthesized join 4, roughly in proportion to the stack each takes, so
//! the worst case stays near 650 KiB in an unoptimized build (under 500 KiB
//! optimized). In practice: a little under 1000 nested parentheses or
//! chained operators, about 85 nested subqueries; and at most 500 terms in a
//! compound SELECT. The limit also protects every later pass that recurses
//! over the tree. To keep the cost per level low, the functions on the
//! recursive path pass `Box<Expr>` rather than `Expr` and keep rare,
//! bulky work in separate `#[inline(never)]` functions.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::sql::ast::*;
use crate::sql::lexer::{self, Keyword as K, KeywordClass, Lexer, Token, TokenKind as T};
use crate::{Error, Result, err};

/// The nesting budget of one statement (SQLite's SQLITE_MAX_EXPR_DEPTH);
/// see the module documentation for what each level costs. Left-deep
/// operator chains count too, since the tree they build is as deep as a
/// nest of parentheses.
pub const MAX_DEPTH: u32 = 1000;
/// The depth one nested SELECT is charged (see [`MAX_DEPTH`]).
const SELECT_COST: u32 = 10;
/// The depth a parenthesized join list in FROM is charged.
const FROM_PAREN_COST: u32 = 4;
/// Most terms in one compound SELECT (SQLITE_MAX_COMPOUND_SELECT).
pub const MAX_COMPOUND: usize = 500;
/// Largest parameter index (SQLITE_MAX_VARIABLE_NUMBER).
pub const MAX_PARAM: usize = 32766;

// Precedence levels, lowest first.
const L_OR: u8 = 1;
const L_AND: u8 = 2;
const L_NOT: u8 = 3;
const L_EQ: u8 = 4;
const L_CMP: u8 = 5;
const L_BIT: u8 = 6;
const L_ADD: u8 = 7;
const L_MUL: u8 = 8;
const L_CONCAT: u8 = 9;
const L_COLLATE: u8 = 10;

/// Parses every statement of a script; empty statements (`;;`) are skipped.
pub fn parse(sql: &str) -> Result<Vec<Parsed>> {
    let mut p = Parser::new(sql);
    let mut out = Vec::new();
    while let Some(s) = p.next_statement()? {
        out.push(s);
    }
    Ok(out)
}

/// Parses one expression that must make up the whole text (stored DEFAULT
/// and CHECK expressions).
pub fn parse_expr(sql: &str) -> Result<Expr> {
    let mut p = Parser::new(sql);
    let e = p.expr()?;
    let t = p.peek();
    if t.kind != T::Eof {
        return Err(p.unexpected(t, "end of expression"));
    }
    Ok(e)
}

/// A statement-at-a-time parser over one SQL text.
#[derive(Debug)]
pub struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    /// Tokens peeked but not consumed; front is the current token.
    ahead: VecDeque<Token>,
    /// End offset of the last consumed token (for spans and statement ends).
    prev_end: usize,
    depth: u32,
    max_param: usize,
    named: hashbrown::HashMap<String, usize>,
}

impl<'a> Parser<'a> {
    pub fn new(sql: &'a str) -> Self {
        Parser {
            src: sql,
            lexer: Lexer::new(sql),
            ahead: VecDeque::new(),
            prev_end: 0,
            depth: 0,
            max_param: 0,
            named: hashbrown::HashMap::new(),
        }
    }

    /// The next statement, or None when only whitespace, comments and `;`
    /// remain. After an error the parser should not be used further.
    pub fn next_statement(&mut self) -> Result<Option<Parsed>> {
        while self.eat(T::Semi) {}
        let first = self.peek();
        if first.kind == T::Eof {
            return Ok(None);
        }
        self.depth = 0;
        self.max_param = 0;
        self.named.clear();
        let stmt = self.statement()?;
        let end = self.prev_end;
        let t = self.peek();
        match t.kind {
            T::Semi => {
                self.bump();
            }
            T::Eof => {}
            _ => return Err(self.unexpected(t, "end of statement")),
        }
        Ok(Some(Parsed {
            stmt,
            start: first.start,
            end,
            pos: first.pos,
            params: self.max_param,
            param_names: {
                let mut v: Vec<(String, usize)> =
                    self.named.iter().map(|(n, i)| (n.clone(), *i)).collect();
                crate::sorting::sort_by_key(&mut v, |p| p.1);
                v
            },
        }))
    }

    /// True when nothing but whitespace, comments and empty statements (`;`)
    /// is left.
    pub fn at_end(&mut self) -> bool {
        while self.eat(T::Semi) {}
        self.peek().kind == T::Eof
    }

    // ------------------------------------------------------------ tokens

    fn peek(&mut self) -> Token {
        self.peek_at(0)
    }

    #[inline]
    fn peek_at(&mut self, n: usize) -> Token {
        if self.ahead.len() <= n {
            self.fill(n);
        }
        self.ahead.get(n).copied().unwrap_or(Token {
            kind: T::Eof,
            start: self.src.len(),
            end: self.src.len(),
            pos: self.lexer.pos(),
        })
    }

    // Out of line: the lexer is big, and inlined into every caller it would
    // bloat the frames on the recursive path of the parser.
    #[inline(never)]
    fn fill(&mut self, n: usize) {
        while self.ahead.len() <= n {
            let t = self.lexer.next_token();
            self.ahead.push_back(t);
        }
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        if t.kind != T::Eof {
            self.ahead.pop_front();
            self.prev_end = t.end;
        }
        t
    }

    fn at(&mut self, k: T) -> bool {
        self.peek().kind == k
    }

    fn at_kw(&mut self, kw: K) -> bool {
        self.peek().is_kw(kw)
    }

    fn eat(&mut self, k: T) -> bool {
        if self.at(k) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: K) -> bool {
        self.eat(T::Keyword(kw))
    }

    fn expect(&mut self, k: T, what: &str) -> Result<Token> {
        let t = self.peek();
        if t.kind == k {
            Ok(self.bump())
        } else {
            Err(self.unexpected(t, what))
        }
    }

    fn expect_kw(&mut self, kw: K) -> Result<Token> {
        let t = self.peek();
        if t.is_kw(kw) {
            Ok(self.bump())
        } else {
            Err(self.unexpected(t, kw.as_str()))
        }
    }

    fn lparen(&mut self) -> Result<Token> {
        self.expect(T::LParen, "\"(\"")
    }

    fn rparen(&mut self) -> Result<Token> {
        self.expect(T::RParen, "\")\"")
    }

    /// An unquoted identifier spelled `word` (for contextual words that are
    /// not SQLite keywords: STRICT, ROWID, STORED, SCHEMA).
    fn at_word(&mut self, word: &str) -> bool {
        let t = self.peek();
        t.kind == T::Ident && t.text(self.src).eq_ignore_ascii_case(word)
    }

    fn text(&self, t: Token) -> &'a str {
        t.text(self.src)
    }

    /// The error for finding `t` where `expected` should be.
    #[cold]
    #[inline(never)]
    fn unexpected(&self, t: Token, expected: &str) -> Error {
        match t.kind {
            T::Eof => err!(
                Syntax,
                "incomplete input at {}: expected {}",
                t.pos,
                expected
            ),
            T::Error(e) => {
                err!(
                    Syntax,
                    "near \"{}\": {} at {}",
                    snippet(self.text(t)),
                    e.describe(),
                    t.pos
                )
            }
            _ => err!(
                Syntax,
                "near \"{}\": syntax error at {}: expected {}",
                snippet(self.text(t)),
                t.pos,
                expected
            ),
        }
    }

    /// Enters one level of nesting; see [`MAX_DEPTH`].
    #[inline(always)]
    fn enter(&mut self, cost: u32) -> Result<()> {
        self.depth += cost;
        if self.depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&mut self) -> Error {
        let t = self.peek();
        err!(
            Syntax,
            "expression nested too deeply at {} (maximum depth {})",
            t.pos,
            MAX_DEPTH
        )
    }

    // ------------------------------------------------------------ names

    /// Can `t` be a name (`nm` in SQLite's grammar)? Strings count where
    /// `strings` (SQLite accepts `CREATE TABLE 't'(...)`).
    fn is_name(t: Token, strings: bool) -> bool {
        match t.kind {
            T::Ident | T::QuotedIdent => true,
            T::String => strings,
            T::Keyword(k) => k.class() != KeywordClass::Reserved,
            _ => false,
        }
    }

    fn name_of(&self, t: Token) -> String {
        lexer::ident_value(self.text(t))
    }

    /// A name: an identifier, a non-reserved keyword or a string.
    fn name(&mut self, what: &str) -> Result<String> {
        let t = self.peek();
        if Self::is_name(t, true) {
            self.bump();
            Ok(self.name_of(t))
        } else {
            Err(self.unexpected(t, what))
        }
    }

    fn qualified_name(&mut self, what: &str) -> Result<QualifiedName> {
        let pos = self.peek().pos;
        let first = self.name(what)?;
        if self.eat(T::Dot) {
            let name = self.name(what)?;
            Ok(QualifiedName {
                schema: Some(first),
                name,
                pos,
            })
        } else {
            Ok(QualifiedName {
                schema: None,
                name: first,
                pos,
            })
        }
    }

    /// `( name, ... )`
    fn paren_names(&mut self, what: &str) -> Result<Vec<String>> {
        self.lparen()?;
        let mut out = Vec::new();
        loop {
            out.push(self.name(what)?);
            if !self.eat(T::Comma) {
                break;
            }
        }
        self.rparen()?;
        Ok(out)
    }

    /// `[AS] alias` after a result column or a table. Without AS only an
    /// identifier, a string or a fallback keyword is an alias, and WINDOW
    /// starting a window clause is not.
    fn alias(&mut self) -> Result<Option<String>> {
        if self.eat_kw(K::As) {
            return self.name("an alias").map(Some);
        }
        let t = self.peek();
        let implicit = match t.kind {
            T::Ident | T::QuotedIdent | T::String => true,
            T::Keyword(K::Window) => {
                let (n, a) = (self.peek_at(1), self.peek_at(2));
                !(Self::is_name(n, false) && a.is_kw(K::As))
            }
            T::Keyword(k) => k.class() == KeywordClass::Fallback,
            _ => false,
        };
        if implicit {
            self.bump();
            Ok(Some(self.name_of(t)))
        } else {
            Ok(None)
        }
    }

    fn if_not_exists(&mut self) -> Result<bool> {
        if self.at_kw(K::If) && self.peek_at(1).is_kw(K::Not) && self.peek_at(2).is_kw(K::Exists) {
            self.bump();
            self.bump();
            self.bump();
            return Ok(true);
        }
        Ok(false)
    }

    fn if_exists(&mut self) -> Result<bool> {
        if self.at_kw(K::If) && self.peek_at(1).is_kw(K::Exists) {
            self.bump();
            self.bump();
            return Ok(true);
        }
        Ok(false)
    }

    // ------------------------------------------------------------ statements

    fn statement(&mut self) -> Result<Stmt> {
        let t = self.peek();
        let T::Keyword(kw) = t.kind else {
            return Err(self.unexpected(t, "a statement"));
        };
        match kw {
            K::Explain => {
                self.bump();
                let query_plan = if self.eat_kw(K::Query) {
                    self.expect_kw(K::Plan)?;
                    true
                } else {
                    false
                };
                if self.at_kw(K::Explain) {
                    let t = self.peek();
                    return Err(self.unexpected(t, "a statement to explain"));
                }
                let stmt = self.statement()?;
                Ok(Stmt::Explain {
                    query_plan,
                    stmt: Box::new(stmt),
                })
            }
            K::Select | K::Values | K::With => self.with_statement(),
            K::Insert | K::Replace => Ok(Stmt::Insert(Box::new(self.insert(None)?))),
            K::Update => Ok(Stmt::Update(Box::new(self.update(None)?))),
            K::Delete => Ok(Stmt::Delete(Box::new(self.delete(None)?))),
            K::Create => self.create(),
            K::Drop => self.drop(),
            K::Alter => self.alter(),
            K::Begin => {
                self.bump();
                let mode = if self.eat_kw(K::Deferred) {
                    TxnMode::Deferred
                } else if self.eat_kw(K::Immediate) {
                    TxnMode::Immediate
                } else if self.eat_kw(K::Exclusive) {
                    TxnMode::Exclusive
                } else {
                    TxnMode::Deferred
                };
                self.transaction_opt();
                Ok(Stmt::Begin(mode))
            }
            K::Commit | K::End => {
                self.bump();
                self.transaction_opt();
                Ok(Stmt::Commit)
            }
            K::Rollback => {
                self.bump();
                self.transaction_opt();
                let savepoint = if self.eat_kw(K::To) {
                    self.eat_kw(K::Savepoint);
                    Some(self.name("a savepoint name")?)
                } else {
                    None
                };
                Ok(Stmt::Rollback { savepoint })
            }
            K::Savepoint => {
                self.bump();
                Ok(Stmt::Savepoint(self.name("a savepoint name")?))
            }
            K::Release => {
                self.bump();
                self.eat_kw(K::Savepoint);
                Ok(Stmt::Release(self.name("a savepoint name")?))
            }
            K::Pragma => self.pragma(),
            K::Analyze => {
                self.bump();
                Ok(Stmt::Analyze(self.optional_qualified_name()?))
            }
            K::Reindex => {
                self.bump();
                Ok(Stmt::Reindex(self.optional_qualified_name()?))
            }
            K::Vacuum => {
                self.bump();
                // VACUUM [schema]: the schema name is accepted and ignored.
                if Self::is_name(self.peek(), true) {
                    self.bump();
                }
                Ok(Stmt::Vacuum)
            }
            _ => Err(self.unexpected(t, "a statement")),
        }
    }

    /// `[TRANSACTION [name]]` after BEGIN / COMMIT / END / ROLLBACK.
    fn transaction_opt(&mut self) {
        if self.eat_kw(K::Transaction) {
            let t = self.peek();
            if Self::is_name(t, false) {
                self.bump();
            }
        }
    }

    fn optional_qualified_name(&mut self) -> Result<Option<QualifiedName>> {
        if Self::is_name(self.peek(), true) {
            Ok(Some(self.qualified_name("a name")?))
        } else {
            Ok(None)
        }
    }

    /// A statement that may start with WITH: SELECT / VALUES or DML.
    fn with_statement(&mut self) -> Result<Stmt> {
        let pos = self.peek().pos;
        let with = if self.at_kw(K::With) {
            Some(self.with_clause()?)
        } else {
            None
        };
        let t = self.peek();
        match t.kind {
            T::Keyword(K::Select | K::Values) => {
                let saved = self.depth;
                self.enter(SELECT_COST)?;
                let s = self.select_after_with(with, pos)?;
                self.depth = saved;
                Ok(Stmt::Select(s))
            }
            T::Keyword(K::Insert | K::Replace) if with.is_some() => {
                Ok(Stmt::Insert(Box::new(self.insert(with)?)))
            }
            T::Keyword(K::Update) if with.is_some() => {
                Ok(Stmt::Update(Box::new(self.update(with)?)))
            }
            T::Keyword(K::Delete) if with.is_some() => {
                Ok(Stmt::Delete(Box::new(self.delete(with)?)))
            }
            _ => Err(self.unexpected(t, "SELECT, VALUES, INSERT, UPDATE or DELETE")),
        }
    }

    fn pragma(&mut self) -> Result<Stmt> {
        self.bump();
        let name = self.qualified_name("a pragma name")?;
        let value = if self.eat(T::Eq) {
            Some(self.pragma_value()?)
        } else if self.eat(T::LParen) {
            let v = self.pragma_value()?;
            self.rparen()?;
            Some(v)
        } else {
            None
        };
        Ok(Stmt::Pragma { name, value })
    }

    fn pragma_value(&mut self) -> Result<Expr> {
        let t = self.peek();
        match t.kind {
            T::Plus => {
                self.bump();
                self.number("a number")
            }
            T::Minus => {
                self.bump();
                self.negative_number()
            }
            T::Integer | T::Float => self.number("a number"),
            T::String => {
                self.bump();
                Ok(Expr::Literal(Literal::Text(lexer::string_value(
                    self.text(t),
                ))))
            }
            T::Ident | T::QuotedIdent | T::Keyword(_) => {
                self.bump();
                Ok(Expr::Column {
                    schema: None,
                    table: None,
                    name: self.name_of(t),
                    pos: t.pos,
                })
            }
            _ => Err(self.unexpected(t, "a pragma value")),
        }
    }

    /// A number token as a literal.
    fn number(&mut self, what: &str) -> Result<Expr> {
        let t = self.peek();
        match t.kind {
            T::Integer | T::Float => {
                self.bump();
                let lit =
                    lexer::number_value(self.text(t), t.kind == T::Float).ok_or_else(|| {
                        err!(
                            Syntax,
                            "hex literal too big: {} at {}",
                            snippet(self.text(t)),
                            t.pos
                        )
                    })?;
                Ok(Expr::Literal(lit))
            }
            _ => Err(self.unexpected(t, what)),
        }
    }

    /// The number after a `-` (already consumed): `Unary(Neg, n)`, or the
    /// literal i64::MIN for `-9223372036854775808`.
    fn negative_number(&mut self) -> Result<Expr> {
        if let Some(min) = self.min_int_literal() {
            return Ok(min);
        }
        let n = self.number("a number")?;
        Ok(Expr::Unary {
            op: UnaryOp::Neg,
            expr: Box::new(n),
        })
    }

    /// After a `-`: if the next token is the decimal 9223372036854775808,
    /// consume it and return i64::MIN (it has no positive counterpart).
    fn min_int_literal(&mut self) -> Option<Expr> {
        let t = self.peek();
        if t.kind == T::Integer {
            let s = self.text(t);
            if !s.starts_with("0x") && !s.starts_with("0X") && s.parse::<u64>() == Ok(1u64 << 63) {
                self.bump();
                return Some(Expr::Literal(Literal::Integer(i64::MIN)));
            }
        }
        None
    }

    // ------------------------------------------------------------ SELECT

    /// A full SELECT (WITH, body, ORDER BY, LIMIT). A nested SELECT is
    /// charged more depth than an operator ([`SELECT_COST`]): each level
    /// takes several large frames.
    #[inline(never)]
    fn select_boxed(&mut self) -> Result<Box<Select>> {
        let saved = self.depth;
        self.enter(SELECT_COST)?;
        let pos = self.peek().pos;
        let with = if self.at_kw(K::With) {
            Some(self.with_clause()?)
        } else {
            None
        };
        let s = self.select_after_with(with, pos)?;
        self.depth = saved;
        Ok(s)
    }

    fn at_select_start(&mut self) -> bool {
        matches!(
            self.peek().kind,
            T::Keyword(K::Select | K::Values | K::With)
        )
    }

    fn select_after_with(&mut self, with: Option<With>, pos: Pos) -> Result<Box<Select>> {
        let body = self.select_body()?;
        let mut s = Box::new(Select {
            with,
            body,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            pos,
        });
        s.order_by = self.order_by_opt()?;
        (s.limit, s.offset) = self.limit_opt()?;
        Ok(s)
    }

    #[inline(never)]
    fn order_by_opt(&mut self) -> Result<Vec<OrderTerm>> {
        if self.eat_kw(K::Order) {
            self.expect_kw(K::By)?;
            self.order_terms()
        } else {
            Ok(Vec::new())
        }
    }

    /// `LIMIT n [OFFSET m]` or `LIMIT m, n` (offset first).
    #[inline(never)]
    fn limit_opt(&mut self) -> Result<(Option<Expr>, Option<Expr>)> {
        if !self.eat_kw(K::Limit) {
            return Ok((None, None));
        }
        let first = self.expr()?;
        if self.eat_kw(K::Offset) {
            let offset = self.expr()?;
            Ok((Some(first), Some(offset)))
        } else if self.eat(T::Comma) {
            let limit = self.expr()?;
            Ok((Some(limit), Some(first)))
        } else {
            Ok((Some(first), None))
        }
    }

    #[inline(never)]
    fn with_clause(&mut self) -> Result<With> {
        self.expect_kw(K::With)?;
        let recursive = self.eat_kw(K::Recursive);
        let mut ctes = Vec::new();
        loop {
            let pos = self.peek().pos;
            let name = self.name("a common table expression name")?;
            let columns = if self.at(T::LParen) {
                self.paren_names("a column name")?
            } else {
                Vec::new()
            };
            self.expect_kw(K::As)?;
            let materialized = if self.eat_kw(K::Materialized) {
                Some(true)
            } else if self.at_kw(K::Not) && self.peek_at(1).is_kw(K::Materialized) {
                self.bump();
                self.bump();
                Some(false)
            } else {
                None
            };
            self.lparen()?;
            let select = self.select_boxed()?;
            self.rparen()?;
            ctes.push(Cte {
                name,
                columns,
                materialized,
                select,
                pos,
            });
            if !self.eat(T::Comma) {
                break;
            }
        }
        Ok(With { recursive, ctes })
    }

    #[inline(never)]
    fn select_body(&mut self) -> Result<SelectBody> {
        let mut body = self.select_core()?;
        let mut terms = 1;
        loop {
            let op = match self.peek().kind {
                T::Keyword(K::Union) => {
                    self.bump();
                    if self.eat_kw(K::All) {
                        CompoundOp::UnionAll
                    } else {
                        CompoundOp::Union
                    }
                }
                T::Keyword(K::Intersect) => {
                    self.bump();
                    CompoundOp::Intersect
                }
                T::Keyword(K::Except) => {
                    self.bump();
                    CompoundOp::Except
                }
                _ => break,
            };
            terms += 1;
            if terms > MAX_COMPOUND {
                let t = self.peek();
                return Err(err!(
                    Syntax,
                    "too many terms in compound SELECT at {} (maximum {})",
                    t.pos,
                    MAX_COMPOUND
                ));
            }
            let right = self.select_core()?;
            body = SelectBody::Compound {
                op,
                left: Box::new(body),
                right: Box::new(right),
            };
        }
        Ok(body)
    }

    #[inline(never)]
    fn select_core(&mut self) -> Result<SelectBody> {
        let t = self.peek();
        match t.kind {
            T::Keyword(K::Values) => {
                self.bump();
                let mut rows: Vec<Vec<Expr>> = Vec::new();
                loop {
                    let row_tok = self.lparen()?;
                    let row = self.expr_list()?;
                    self.rparen()?;
                    if rows.first().is_some_and(|first| first.len() != row.len()) {
                        return Err(err!(
                            Syntax,
                            "all VALUES must have the same number of terms at {}",
                            row_tok.pos
                        ));
                    }
                    rows.push(row);
                    if !self.eat(T::Comma) {
                        break;
                    }
                }
                Ok(SelectBody::Values(rows))
            }
            T::Keyword(K::Select) => {
                self.bump();
                let distinct = if self.eat_kw(K::Distinct) {
                    true
                } else {
                    self.eat_kw(K::All);
                    false
                };
                let columns = self.result_columns()?;
                let from = if self.eat_kw(K::From) {
                    Some(self.join_list()?)
                } else {
                    None
                };
                let where_ = if self.eat_kw(K::Where) {
                    Some(self.expr()?)
                } else {
                    None
                };
                let group_by = if self.eat_kw(K::Group) {
                    self.expect_kw(K::By)?;
                    self.expr_list()?
                } else {
                    Vec::new()
                };
                let having = if self.eat_kw(K::Having) {
                    Some(self.expr()?)
                } else {
                    None
                };
                let mut windows = Vec::new();
                if self.eat_kw(K::Window) {
                    loop {
                        let name = self.name("a window name")?;
                        self.expect_kw(K::As)?;
                        self.lparen()?;
                        let spec = self.window_spec()?;
                        windows.push((name, spec));
                        if !self.eat(T::Comma) {
                            break;
                        }
                    }
                }
                Ok(SelectBody::Core(Box::new(SelectCore {
                    distinct,
                    columns,
                    from,
                    where_,
                    group_by,
                    having,
                    windows,
                    pos: t.pos,
                })))
            }
            _ => Err(self.unexpected(t, "SELECT or VALUES")),
        }
    }

    fn result_columns(&mut self) -> Result<Vec<ResultColumn>> {
        let mut cols = Vec::new();
        loop {
            cols.push(self.result_column()?);
            if !self.eat(T::Comma) {
                break;
            }
        }
        Ok(cols)
    }

    #[inline(never)]
    fn result_column(&mut self) -> Result<ResultColumn> {
        let t = self.peek();
        if t.kind == T::Star {
            self.bump();
            return Ok(ResultColumn::Star);
        }
        if Self::is_name(t, false)
            && self.peek_at(1).kind == T::Dot
            && self.peek_at(2).kind == T::Star
        {
            self.bump();
            self.bump();
            self.bump();
            return Ok(ResultColumn::TableStar(self.name_of(t)));
        }
        let expr = self.expr()?;
        let span = self
            .src
            .get(t.start..self.prev_end)
            .unwrap_or("")
            .to_string();
        let alias = self.alias()?;
        Ok(ResultColumn::Expr { expr, alias, span })
    }

    fn join_list(&mut self) -> Result<FromItem> {
        let saved = self.depth;
        let mut left = self.table_or_subquery()?;
        loop {
            let (kind, natural) = if self.eat(T::Comma) {
                (JoinKind::Inner, false)
            } else if let Some(op) = self.join_op()? {
                op
            } else {
                break;
            };
            // A join deepens the tree like an operator does.
            self.enter(1)?;
            let right = self.table_or_subquery()?;
            let constraint = if self.at_kw(K::On) && !self.peek_at(1).is_kw(K::Conflict) {
                self.bump();
                JoinConstraint::On(self.expr()?)
            } else if self.eat_kw(K::Using) {
                JoinConstraint::Using(self.paren_names("a column name")?)
            } else {
                JoinConstraint::None
            };
            left = FromItem::Join {
                left: Box::new(left),
                right: Box::new(right),
                kind,
                natural,
                constraint,
            };
        }
        self.depth = saved;
        Ok(left)
    }

    /// `[NATURAL] [LEFT|RIGHT|FULL [OUTER] | INNER | CROSS] JOIN`
    fn join_op(&mut self) -> Result<Option<(JoinKind, bool)>> {
        let natural = self.eat_kw(K::Natural);
        let t = self.peek();
        let kind = match t.kind {
            T::Keyword(K::Join) => JoinKind::Inner,
            T::Keyword(K::Inner) => {
                self.bump();
                JoinKind::Inner
            }
            T::Keyword(K::Cross) => {
                self.bump();
                JoinKind::Cross
            }
            T::Keyword(k @ (K::Left | K::Right | K::Full)) => {
                self.bump();
                self.eat_kw(K::Outer);
                match k {
                    K::Left => JoinKind::Left,
                    K::Right => JoinKind::Right,
                    _ => JoinKind::Full,
                }
            }
            _ if natural => return Err(self.unexpected(t, "JOIN")),
            _ => return Ok(None),
        };
        self.expect_kw(K::Join)?;
        Ok(Some((kind, natural)))
    }

    #[inline(never)]
    fn table_or_subquery(&mut self) -> Result<FromItem> {
        let t = self.peek();
        if t.kind == T::LParen {
            let next = self.peek_at(1);
            self.bump();
            if matches!(next.kind, T::Keyword(K::Select | K::Values | K::With)) {
                let select = self.select_boxed()?;
                self.rparen()?;
                let alias = self.alias()?;
                return Ok(FromItem::Subquery { select, alias });
            }
            // A nested join list costs several large frames per level.
            let saved = self.depth;
            self.enter(FROM_PAREN_COST)?;
            let mut inner = self.join_list()?;
            self.depth = saved;
            self.rparen()?;
            // `(t) AS x`: the alias goes to the single item inside.
            let at = self.peek();
            if let Some(a) = self.alias()? {
                match &mut inner {
                    FromItem::Table { alias, .. }
                    | FromItem::Subquery { alias, .. }
                    | FromItem::Function { alias, .. }
                        if alias.is_none() =>
                    {
                        *alias = Some(a);
                    }
                    _ => {
                        return Err(
                            self.unexpected(at, "a join operator or the end of the FROM clause")
                        );
                    }
                }
            }
            return Ok(inner);
        }
        let name = self.qualified_name("a table name")?;
        if self.at(T::LParen) {
            if name.schema.is_some() {
                let t = self.peek();
                return Err(
                    self.unexpected(t, "a table (a table-valued function cannot be qualified)")
                );
            }
            self.bump();
            let args = if self.at(T::RParen) {
                Vec::new()
            } else {
                self.expr_list()?
            };
            self.rparen()?;
            let alias = self.alias()?;
            return Ok(FromItem::Function {
                name: name.name,
                args,
                alias,
                pos: name.pos,
            });
        }
        let alias = self.alias()?;
        let indexed = self.indexed_by()?;
        Ok(FromItem::Table {
            name,
            alias,
            indexed,
        })
    }

    fn indexed_by(&mut self) -> Result<Option<IndexedBy>> {
        if self.eat_kw(K::Indexed) {
            self.expect_kw(K::By)?;
            Ok(Some(IndexedBy::Index(self.name("an index name")?)))
        } else if self.at_kw(K::Not) && self.peek_at(1).is_kw(K::Indexed) {
            self.bump();
            self.bump();
            Ok(Some(IndexedBy::NotIndexed))
        } else {
            Ok(None)
        }
    }

    fn order_terms(&mut self) -> Result<Vec<OrderTerm>> {
        let mut out = Vec::new();
        loop {
            let expr = self.expr()?;
            let order = if self.eat_kw(K::Desc) {
                SortOrder::Desc
            } else {
                self.eat_kw(K::Asc);
                SortOrder::Asc
            };
            let nulls = if self.eat_kw(K::Nulls) {
                if self.eat_kw(K::First) {
                    Some(NullsOrder::First)
                } else {
                    self.expect_kw(K::Last)?;
                    Some(NullsOrder::Last)
                }
            } else {
                None
            };
            out.push(OrderTerm { expr, order, nulls });
            if !self.eat(T::Comma) {
                break;
            }
        }
        Ok(out)
    }

    /// The inside of a window definition, after its `(`, through the `)`.
    #[inline(never)]
    fn window_spec(&mut self) -> Result<WindowSpec> {
        let mut spec = WindowSpec::default();
        let t = self.peek();
        if Self::is_name(t, false)
            && !matches!(
                t.kind,
                T::Keyword(K::Partition | K::Order | K::Rows | K::Range | K::Groups)
            )
        {
            self.bump();
            spec.base = Some(self.name_of(t));
        }
        if self.eat_kw(K::Partition) {
            self.expect_kw(K::By)?;
            spec.partition_by = self.expr_list()?;
        }
        spec.order_by = self.order_by_opt()?;
        let units = match self.peek().kind {
            T::Keyword(K::Rows) => Some(FrameUnits::Rows),
            T::Keyword(K::Range) => Some(FrameUnits::Range),
            T::Keyword(K::Groups) => Some(FrameUnits::Groups),
            _ => None,
        };
        if let Some(units) = units {
            self.bump();
            let (start, end) = if self.eat_kw(K::Between) {
                let start = self.frame_bound()?;
                self.expect_kw(K::And)?;
                (start, self.frame_bound()?)
            } else {
                (self.frame_bound()?, FrameBound::CurrentRow)
            };
            let exclude = if self.eat_kw(K::Exclude) {
                let t = self.peek();
                if self.eat_kw(K::No) {
                    self.expect_kw(K::Others)?;
                    FrameExclude::NoOthers
                } else if self.eat_kw(K::Current) {
                    self.expect_kw(K::Row)?;
                    FrameExclude::CurrentRow
                } else if self.eat_kw(K::Group) {
                    FrameExclude::Group
                } else if self.eat_kw(K::Ties) {
                    FrameExclude::Ties
                } else {
                    return Err(self.unexpected(t, "NO OTHERS, CURRENT ROW, GROUP or TIES"));
                }
            } else {
                FrameExclude::NoOthers
            };
            spec.frame = Some(Frame {
                units,
                start,
                end,
                exclude,
            });
        }
        self.rparen()?;
        Ok(spec)
    }

    fn frame_bound(&mut self) -> Result<FrameBound> {
        if self.eat_kw(K::Unbounded) {
            let t = self.peek();
            return if self.eat_kw(K::Preceding) {
                Ok(FrameBound::UnboundedPreceding)
            } else if self.eat_kw(K::Following) {
                Ok(FrameBound::UnboundedFollowing)
            } else {
                Err(self.unexpected(t, "PRECEDING or FOLLOWING"))
            };
        }
        if self.at_kw(K::Current) && self.peek_at(1).is_kw(K::Row) {
            self.bump();
            self.bump();
            return Ok(FrameBound::CurrentRow);
        }
        let e = Box::new(self.expr()?);
        let t = self.peek();
        if self.eat_kw(K::Preceding) {
            Ok(FrameBound::Preceding(e))
        } else if self.eat_kw(K::Following) {
            Ok(FrameBound::Following(e))
        } else {
            Err(self.unexpected(t, "PRECEDING or FOLLOWING"))
        }
    }

    // ------------------------------------------------------------ expressions
    //
    // The functions on the recursive path of expression parsing (expr_bp,
    // unary, primary, infix and the constructs that nest) pass finished
    // nodes as `Box<Expr>`: an `Expr` is nearly 200 bytes, and holding a few
    // of them by value in every frame made each level of nesting cost kilo-
    // bytes of stack. Boxes are what the tree stores anyway.

    fn expr_list(&mut self) -> Result<Vec<Expr>> {
        let mut out = Vec::new();
        loop {
            out.push(*self.expr_bp(L_OR)?);
            if !self.eat(T::Comma) {
                break;
            }
        }
        Ok(out)
    }

    /// A whole expression.
    pub(crate) fn expr(&mut self) -> Result<Expr> {
        Ok(*self.expr_bp(L_OR)?)
    }

    /// The binary level of the operator at the current token, if it is one.
    fn infix_level(&mut self) -> Option<u8> {
        Some(match self.peek().kind {
            T::Keyword(K::Or) => L_OR,
            T::Keyword(K::And) => L_AND,
            T::Eq
            | T::Ne
            | T::Keyword(
                K::Is
                | K::In
                | K::Like
                | K::Glob
                | K::Match
                | K::Regexp
                | K::Between
                | K::Isnull
                | K::Notnull,
            ) => L_EQ,
            T::Keyword(K::Not) => match self.peek_at(1).kind {
                T::Keyword(
                    K::Null | K::In | K::Like | K::Glob | K::Match | K::Regexp | K::Between,
                ) => L_EQ,
                _ => return None,
            },
            T::Lt | T::Le | T::Gt | T::Ge => L_CMP,
            T::BitAnd | T::BitOr | T::Shl | T::Shr => L_BIT,
            T::Plus | T::Minus => L_ADD,
            T::Star | T::Slash | T::Percent => L_MUL,
            T::Concat | T::Arrow | T::Arrow2 => L_CONCAT,
            T::Keyword(K::Collate) => L_COLLATE,
            _ => return None,
        })
    }

    /// Precedence climbing: operators of level `min` and above.
    fn expr_bp(&mut self, min: u8) -> Result<Box<Expr>> {
        let saved = self.depth;
        self.enter(1)?;
        let pos = self.peek().pos;
        let mut lhs = self.unary()?;
        while let Some(level) = self.infix_level() {
            if level < min {
                break;
            }
            // Every operator makes the tree one level deeper.
            self.enter(1)?;
            lhs = self.infix(lhs, level, pos)?;
        }
        self.depth = saved;
        Ok(lhs)
    }

    #[inline(never)]
    fn infix(&mut self, lhs: Box<Expr>, level: u8, pos: Pos) -> Result<Box<Expr>> {
        let t = self.bump();
        let op = match t.kind {
            T::Keyword(K::Or) => BinaryOp::Or,
            T::Keyword(K::And) => BinaryOp::And,
            T::Eq => BinaryOp::Eq,
            T::Ne => BinaryOp::Ne,
            T::Lt => BinaryOp::Lt,
            T::Le => BinaryOp::Le,
            T::Gt => BinaryOp::Gt,
            T::Ge => BinaryOp::Ge,
            T::BitAnd => BinaryOp::BitAnd,
            T::BitOr => BinaryOp::BitOr,
            T::Shl => BinaryOp::Shl,
            T::Shr => BinaryOp::Shr,
            T::Plus => BinaryOp::Add,
            T::Minus => BinaryOp::Sub,
            T::Star => BinaryOp::Mul,
            T::Slash => BinaryOp::Div,
            T::Percent => BinaryOp::Mod,
            T::Concat => BinaryOp::Concat,
            T::Arrow => BinaryOp::Arrow,
            T::Arrow2 => BinaryOp::Arrow2,
            T::Keyword(K::Collate) => {
                let collation = self.name("a collation name")?;
                return Ok(Box::new(Expr::Collate {
                    expr: lhs,
                    collation,
                }));
            }
            T::Keyword(K::Isnull) => return Ok(is_null(lhs, false)),
            T::Keyword(K::Notnull) => return Ok(is_null(lhs, true)),
            T::Keyword(K::Is) => return self.is_rest(lhs, level, pos),
            T::Keyword(K::Not) => {
                let t2 = self.bump();
                return match t2.kind {
                    T::Keyword(K::Null) => Ok(is_null(lhs, true)),
                    T::Keyword(K::In) => self.in_rest(lhs, true),
                    T::Keyword(K::Between) => self.between_rest(lhs, true),
                    T::Keyword(k) => self.like_rest(lhs, like_op(k), true),
                    _ => Err(self.unexpected(t2, "NULL, IN, BETWEEN or LIKE")),
                };
            }
            T::Keyword(K::In) => return self.in_rest(lhs, false),
            T::Keyword(K::Between) => return self.between_rest(lhs, false),
            T::Keyword(k @ (K::Like | K::Glob | K::Match | K::Regexp)) => {
                return self.like_rest(lhs, like_op(k), false);
            }
            _ => return Err(self.unexpected(t, "an operator")),
        };
        let right = self.expr_bp(level + 1)?;
        Ok(Box::new(Expr::Binary {
            op,
            left: lhs,
            right,
            pos,
        }))
    }

    /// After IS: `[NOT] [DISTINCT FROM] expr`.
    #[inline(never)]
    fn is_rest(&mut self, lhs: Box<Expr>, level: u8, pos: Pos) -> Result<Box<Expr>> {
        let not = self.eat_kw(K::Not);
        let distinct = if self.eat_kw(K::Distinct) {
            self.expect_kw(K::From)?;
            true
        } else {
            false
        };
        let null_keyword = !distinct && self.at_kw(K::Null);
        let right = self.expr_bp(level + 1)?;
        if null_keyword && *right == Expr::Literal(Literal::Null) {
            return Ok(is_null(lhs, not));
        }
        // IS DISTINCT FROM is IS NOT; IS NOT DISTINCT FROM is IS.
        let op = if not != distinct {
            BinaryOp::IsNot
        } else {
            BinaryOp::Is
        };
        Ok(Box::new(Expr::Binary {
            op,
            left: lhs,
            right,
            pos,
        }))
    }

    #[inline(never)]
    fn in_rest(&mut self, expr: Box<Expr>, not: bool) -> Result<Box<Expr>> {
        if self.eat(T::LParen) {
            if self.at_select_start() {
                let select = self.select_boxed()?;
                self.rparen()?;
                return Ok(Box::new(Expr::InSelect { expr, select, not }));
            }
            let list = if self.at(T::RParen) {
                Vec::new()
            } else {
                self.expr_list()?
            };
            self.rparen()?;
            return Ok(Box::new(Expr::InList { expr, list, not }));
        }
        let table = self.qualified_name("\"(\" or a table name")?;
        if self.at(T::LParen) {
            let t = self.peek();
            return Err(self.unexpected(
                t,
                "a table name (IN a table-valued function with arguments is not supported)",
            ));
        }
        Ok(Box::new(Expr::InTable { expr, table, not }))
    }

    #[inline(never)]
    fn between_rest(&mut self, expr: Box<Expr>, not: bool) -> Result<Box<Expr>> {
        // The low bound stops at AND (anything tighter than AND may appear,
        // as in SQLite's grammar); the high bound is a comparison operand.
        let low = self.expr_bp(L_NOT)?;
        self.expect_kw(K::And)?;
        let high = self.expr_bp(L_CMP)?;
        Ok(Box::new(Expr::Between {
            expr,
            low,
            high,
            not,
        }))
    }

    #[inline(never)]
    fn like_rest(&mut self, expr: Box<Expr>, op: LikeOp, not: bool) -> Result<Box<Expr>> {
        let pattern = self.expr_bp(L_CMP)?;
        let escape = if self.eat_kw(K::Escape) {
            Some(self.expr_bp(L_CMP)?)
        } else {
            None
        };
        Ok(Box::new(Expr::Like {
            op,
            expr,
            pattern,
            escape,
            not,
        }))
    }

    /// Prefix operators, then a primary expression.
    fn unary(&mut self) -> Result<Box<Expr>> {
        match self.peek().kind {
            T::Minus | T::Plus | T::Tilde => self.prefix_ops(),
            T::Keyword(K::Not) => self.prefix_not(),
            _ => self.primary(),
        }
    }

    /// `- + ~` prefixes, collected in a loop rather than by recursion so
    /// `- - - x` costs no stack; the depth check still bounds the tree.
    #[inline(never)]
    fn prefix_ops(&mut self) -> Result<Box<Expr>> {
        let saved = self.depth;
        let mut ops: Vec<UnaryOp> = Vec::new();
        let mut e = loop {
            let op = match self.peek().kind {
                T::Minus => UnaryOp::Neg,
                T::Plus => UnaryOp::Plus,
                T::Tilde => UnaryOp::BitNot,
                T::Keyword(K::Not) => break self.prefix_not()?,
                _ => break self.primary()?,
            };
            self.bump();
            if op == UnaryOp::Neg {
                if let Some(min) = self.min_int_literal() {
                    break Box::new(min);
                }
            }
            self.enter(1)?;
            ops.push(op);
        };
        while let Some(op) = ops.pop() {
            e = Box::new(Expr::Unary { op, expr: e });
        }
        self.depth = saved;
        Ok(e)
    }

    /// `NOT expr`: looser than comparisons, so NOT a = b is NOT (a = b).
    #[inline(never)]
    fn prefix_not(&mut self) -> Result<Box<Expr>> {
        self.bump();
        let mut e = self.expr_bp(L_NOT)?;
        if let Expr::Exists {
            not: not @ false, ..
        } = &mut *e
        {
            *not = true;
            return Ok(e);
        }
        Ok(Box::new(Expr::Unary {
            op: UnaryOp::Not,
            expr: e,
        }))
    }

    #[inline(never)]
    fn primary(&mut self) -> Result<Box<Expr>> {
        let t = self.peek();
        match t.kind {
            T::LParen => self.paren_expr(),
            T::Keyword(K::Cast) if self.peek_at(1).kind == T::LParen => self.cast(),
            T::Keyword(K::Raise) if self.peek_at(1).kind == T::LParen => self.raise(),
            T::Keyword(K::Case) => self.case(),
            T::Keyword(K::Exists) => self.exists(),
            T::Ident
                if !matches!(self.peek_at(1).kind, T::Dot | T::LParen)
                    && is_bool_word(self.text(t)) =>
            {
                self.literal()
            }
            T::Integer
            | T::Float
            | T::String
            | T::Blob
            | T::Param
            | T::Keyword(K::Null | K::CurrentDate | K::CurrentTime | K::CurrentTimestamp) => {
                self.literal()
            }
            _ if Self::is_name(t, false) => self.name_expr(),
            _ => Err(self.unexpected(t, "an expression")),
        }
    }

    /// A literal token (TRUE / FALSE included), a parameter or
    /// CURRENT_TIME / DATE / TIMESTAMP (calls without arguments, named as
    /// written).
    #[inline(never)]
    fn literal(&mut self) -> Result<Box<Expr>> {
        let t = self.peek();
        let e = match t.kind {
            T::Integer | T::Float => self.number("a number")?,
            T::String => {
                self.bump();
                Expr::Literal(Literal::Text(lexer::string_value(self.text(t))))
            }
            T::Blob => {
                self.bump();
                Expr::Literal(Literal::Blob(lexer::blob_value(self.text(t))))
            }
            T::Param => {
                self.bump();
                self.param(t)?
            }
            T::Keyword(K::Null) => {
                self.bump();
                Expr::Literal(Literal::Null)
            }
            T::Ident => {
                self.bump();
                Expr::Literal(Literal::Bool(self.text(t).eq_ignore_ascii_case("true")))
            }
            _ => {
                self.bump();
                Expr::Function {
                    name: self.text(t).to_string(),
                    args: Vec::new(),
                    distinct: false,
                    star: false,
                    filter: None,
                    over: None,
                    pos: t.pos,
                }
            }
        };
        Ok(Box::new(e))
    }

    #[inline(never)]
    fn exists(&mut self) -> Result<Box<Expr>> {
        self.bump();
        self.lparen()?;
        let select = self.select_boxed()?;
        self.rparen()?;
        Ok(Box::new(Expr::Exists { select, not: false }))
    }

    fn param(&mut self, t: Token) -> Result<Expr> {
        let text = self.text(t);
        let (index, name) = if let Some(digits) = text.strip_prefix('?') {
            if digits.is_empty() {
                (self.max_param + 1, None)
            } else {
                match digits.parse::<usize>() {
                    Ok(n) if (1..=MAX_PARAM).contains(&n) => (n, None),
                    _ => {
                        return Err(err!(
                            Syntax,
                            "variable number must be between ?1 and ?{} at {}",
                            MAX_PARAM,
                            t.pos
                        ));
                    }
                }
            }
        } else if let Some(&i) = self.named.get(text) {
            (i, Some(text.to_string()))
        } else {
            let i = self.max_param + 1;
            self.named.insert(text.to_string(), i);
            (i, Some(text.to_string()))
        };
        if index > MAX_PARAM {
            return Err(err!(Syntax, "too many SQL variables at {}", t.pos));
        }
        self.max_param = self.max_param.max(index);
        Ok(Expr::Param {
            index,
            name,
            pos: t.pos,
        })
    }

    /// `(expr)`, a row value `(a, b)` or a scalar subquery `(SELECT ...)`.
    #[inline(never)]
    fn paren_expr(&mut self) -> Result<Box<Expr>> {
        self.bump();
        if self.at_select_start() {
            return self.subquery_rest();
        }
        let first = self.expr_bp(L_OR)?;
        if self.eat(T::RParen) {
            return Ok(first);
        }
        self.row_rest(first)
    }

    #[inline(never)]
    fn subquery_rest(&mut self) -> Result<Box<Expr>> {
        let select = self.select_boxed()?;
        self.rparen()?;
        Ok(Box::new(Expr::Subquery(select)))
    }

    // `first` stays boxed so unboxing it happens here, not in the frame of
    // paren_expr, which is on the recursive path.
    #[allow(clippy::boxed_local)]
    #[inline(never)]
    fn row_rest(&mut self, first: Box<Expr>) -> Result<Box<Expr>> {
        let mut list = Vec::from([*first]);
        while self.eat(T::Comma) {
            list.push(*self.expr_bp(L_OR)?);
        }
        self.rparen()?;
        Ok(Box::new(Expr::Row(list)))
    }

    #[inline(never)]
    fn case(&mut self) -> Result<Box<Expr>> {
        let saved = self.depth;
        // CASE nests through a larger frame than parentheses do.
        self.enter(1)?;
        self.bump();
        let operand = if self.at_kw(K::When) {
            None
        } else {
            Some(self.expr_bp(L_OR)?)
        };
        let mut whens = Vec::new();
        while self.eat_kw(K::When) {
            let cond = self.expr_bp(L_OR)?;
            self.expect_kw(K::Then)?;
            let result = self.expr_bp(L_OR)?;
            whens.push((*cond, *result));
        }
        if whens.is_empty() {
            let t = self.peek();
            return Err(self.unexpected(t, "WHEN"));
        }
        let else_ = if self.eat_kw(K::Else) {
            Some(self.expr_bp(L_OR)?)
        } else {
            None
        };
        self.expect_kw(K::End)?;
        self.depth = saved;
        Ok(Box::new(Expr::Case {
            operand,
            whens,
            else_,
        }))
    }

    #[inline(never)]
    fn cast(&mut self) -> Result<Box<Expr>> {
        self.bump();
        self.lparen()?;
        let expr = self.expr_bp(L_OR)?;
        self.expect_kw(K::As)?;
        let t = self.peek();
        let Some(type_name) = self.type_name()? else {
            return Err(self.unexpected(t, "a type name"));
        };
        self.rparen()?;
        Ok(Box::new(Expr::Cast { expr, type_name }))
    }

    #[inline(never)]
    fn raise(&mut self) -> Result<Box<Expr>> {
        self.bump();
        self.lparen()?;
        let t = self.bump();
        let kind = match t.kind {
            T::Keyword(K::Ignore) => {
                self.rparen()?;
                return Ok(Box::new(Expr::Raise {
                    kind: RaiseKind::Ignore,
                    message: None,
                }));
            }
            T::Keyword(K::Rollback) => RaiseKind::Rollback,
            T::Keyword(K::Abort) => RaiseKind::Abort,
            T::Keyword(K::Fail) => RaiseKind::Fail,
            _ => return Err(self.unexpected(t, "IGNORE, ROLLBACK, ABORT or FAIL")),
        };
        self.expect(T::Comma, "\",\"")?;
        let message = self.expr_bp(L_OR)?;
        self.rparen()?;
        Ok(Box::new(Expr::Raise {
            kind,
            message: Some(message),
        }))
    }

    /// A column reference `[[schema.]table.]column` or a function call.
    #[inline(never)]
    fn name_expr(&mut self) -> Result<Box<Expr>> {
        let t = self.bump();
        if self.at(T::LParen) {
            return self.function_call(t);
        }
        self.column_ref(t)
    }

    #[inline(never)]
    fn column_ref(&mut self, t: Token) -> Result<Box<Expr>> {
        let first = self.name_of(t);
        if !self.eat(T::Dot) {
            return Ok(Box::new(Expr::Column {
                schema: None,
                table: None,
                name: first,
                pos: t.pos,
            }));
        }
        let second = self.column_part()?;
        if !self.eat(T::Dot) {
            return Ok(Box::new(Expr::Column {
                schema: None,
                table: Some(first),
                name: second,
                pos: t.pos,
            }));
        }
        let third = self.column_part()?;
        Ok(Box::new(Expr::Column {
            schema: Some(first),
            table: Some(second),
            name: third,
            pos: t.pos,
        }))
    }

    fn column_part(&mut self) -> Result<String> {
        let t = self.peek();
        if Self::is_name(t, false) {
            self.bump();
            Ok(self.name_of(t))
        } else {
            Err(self.unexpected(t, "a column name"))
        }
    }

    /// A call: arguments here (the recursive part, kept in a small frame),
    /// FILTER / OVER and the node in [`Parser::function_rest`].
    #[inline(never)]
    fn function_call(&mut self, name_tok: Token) -> Result<Box<Expr>> {
        let saved = self.depth;
        // Arguments nest through more frames than parentheses do.
        self.enter(1)?;
        self.bump(); // (
        let mut distinct = false;
        let mut star = false;
        let mut args = Vec::new();
        if self.eat(T::Star) {
            star = true;
        } else if !self.at(T::RParen) {
            if self.eat_kw(K::Distinct) {
                distinct = true;
            } else {
                self.eat_kw(K::All);
            }
            args = self.expr_list()?;
        }
        self.rparen()?;
        let e = self.function_rest(name_tok, args, distinct, star)?;
        self.depth = saved;
        Ok(e)
    }

    #[inline(never)]
    fn function_rest(
        &mut self,
        name_tok: Token,
        args: Vec<Expr>,
        distinct: bool,
        star: bool,
    ) -> Result<Box<Expr>> {
        let filter = if self.at_kw(K::Filter) && self.peek_at(1).kind == T::LParen {
            self.bump();
            self.bump();
            self.expect_kw(K::Where)?;
            let e = self.expr_bp(L_OR)?;
            self.rparen()?;
            Some(e)
        } else {
            None
        };
        let over = if self.at_kw(K::Over) {
            let next = self.peek_at(1);
            if next.kind == T::LParen {
                self.bump();
                self.bump();
                Some(Over::Spec(self.window_spec()?))
            } else if Self::is_name(next, false) {
                self.bump();
                self.bump();
                Some(Over::Named(self.name_of(next)))
            } else {
                None
            }
        } else {
            None
        };
        Ok(Box::new(Expr::Function {
            name: self.name_of(name_tok),
            args,
            distinct,
            star,
            filter,
            over,
            pos: name_tok.pos,
        }))
    }

    /// A type name as written (`VARCHAR(30)`, `UNSIGNED BIG INT`,
    /// `DECIMAL(10, 5)`), or None if none starts here.
    fn type_name(&mut self) -> Result<Option<String>> {
        let first = self.peek();
        if !is_type_word(first) {
            return Ok(None);
        }
        while is_type_word(self.peek()) {
            self.bump();
        }
        if self.eat(T::LParen) {
            self.signed_number()?;
            if self.eat(T::Comma) {
                self.signed_number()?;
            }
            self.rparen()?;
        }
        Ok(Some(
            self.src
                .get(first.start..self.prev_end)
                .unwrap_or("")
                .to_string(),
        ))
    }

    fn signed_number(&mut self) -> Result<()> {
        if !self.eat(T::Plus) {
            self.eat(T::Minus);
        }
        self.number("a number").map(drop)
    }

    // ------------------------------------------------------------ DML

    fn conflict_kind(&mut self) -> Result<Conflict> {
        let t = self.bump();
        Ok(match t.kind {
            T::Keyword(K::Rollback) => Conflict::Rollback,
            T::Keyword(K::Abort) => Conflict::Abort,
            T::Keyword(K::Fail) => Conflict::Fail,
            T::Keyword(K::Ignore) => Conflict::Ignore,
            T::Keyword(K::Replace) => Conflict::Replace,
            _ => return Err(self.unexpected(t, "ROLLBACK, ABORT, FAIL, IGNORE or REPLACE")),
        })
    }

    /// `[ON CONFLICT x]` of a constraint.
    fn conflict_clause(&mut self) -> Result<Option<Conflict>> {
        if self.at_kw(K::On) && self.peek_at(1).is_kw(K::Conflict) {
            self.bump();
            self.bump();
            return self.conflict_kind().map(Some);
        }
        Ok(None)
    }

    fn returning(&mut self) -> Result<Vec<ResultColumn>> {
        if self.eat_kw(K::Returning) {
            self.result_columns()
        } else {
            Ok(Vec::new())
        }
    }

    fn where_opt(&mut self) -> Result<Option<Expr>> {
        if self.eat_kw(K::Where) {
            Ok(Some(self.expr()?))
        } else {
            Ok(None)
        }
    }

    fn insert(&mut self, with: Option<With>) -> Result<Insert> {
        let or = if self.eat_kw(K::Replace) {
            Some(Conflict::Replace)
        } else {
            self.expect_kw(K::Insert)?;
            if self.eat_kw(K::Or) {
                Some(self.conflict_kind()?)
            } else {
                None
            }
        };
        self.expect_kw(K::Into)?;
        let table = self.qualified_name("a table name")?;
        let alias = if self.eat_kw(K::As) {
            Some(self.name("an alias")?)
        } else {
            None
        };
        let columns = if self.at(T::LParen) {
            self.paren_names("a column name")?
        } else {
            Vec::new()
        };
        let source = if self.eat_kw(K::Default) {
            self.expect_kw(K::Values)?;
            InsertSource::DefaultValues
        } else if self.at_select_start() {
            InsertSource::Select(self.select_boxed()?)
        } else {
            let t = self.peek();
            return Err(self.unexpected(t, "VALUES, SELECT or DEFAULT VALUES"));
        };
        let mut upsert = Vec::new();
        while self.at_kw(K::On) && self.peek_at(1).is_kw(K::Conflict) {
            self.bump();
            self.bump();
            let target = if self.eat(T::LParen) {
                let cols = self.indexed_columns()?;
                self.rparen()?;
                Some((cols, self.where_opt()?))
            } else {
                None
            };
            self.expect_kw(K::Do)?;
            let action = if self.eat_kw(K::Nothing) {
                UpsertAction::Nothing
            } else {
                let t = self.peek();
                if !t.is_kw(K::Update) {
                    return Err(self.unexpected(t, "NOTHING or UPDATE"));
                }
                self.bump();
                self.expect_kw(K::Set)?;
                let sets = self.assignments()?;
                UpsertAction::Update {
                    sets,
                    where_: self.where_opt()?,
                }
            };
            upsert.push(Upsert { target, action });
        }
        let returning = self.returning()?;
        Ok(Insert {
            with,
            or,
            table,
            alias,
            columns,
            source,
            upsert,
            returning,
        })
    }

    fn assignments(&mut self) -> Result<Vec<Assignment>> {
        let mut out = Vec::new();
        loop {
            let columns = if self.at(T::LParen) {
                self.paren_names("a column name")?
            } else {
                Vec::from([self.name("a column name")?])
            };
            self.expect(T::Eq, "\"=\"")?;
            let expr = self.expr()?;
            out.push(Assignment { columns, expr });
            if !self.eat(T::Comma) {
                break;
            }
        }
        Ok(out)
    }

    fn update(&mut self, with: Option<With>) -> Result<Update> {
        self.expect_kw(K::Update)?;
        let or = if self.eat_kw(K::Or) {
            Some(self.conflict_kind()?)
        } else {
            None
        };
        let table = self.qualified_name("a table name")?;
        let alias = if self.eat_kw(K::As) {
            Some(self.name("an alias")?)
        } else {
            None
        };
        let indexed = self.indexed_by()?;
        self.expect_kw(K::Set)?;
        let sets = self.assignments()?;
        let from = if self.eat_kw(K::From) {
            Some(self.join_list()?)
        } else {
            None
        };
        let where_ = self.where_opt()?;
        let returning = self.returning()?;
        let order_by = self.order_by_opt()?;
        let (limit, offset) = self.limit_opt()?;
        Ok(Update {
            with,
            or,
            table,
            alias,
            indexed,
            sets,
            from,
            where_,
            returning,
            order_by,
            limit,
            offset,
        })
    }

    fn delete(&mut self, with: Option<With>) -> Result<Delete> {
        self.expect_kw(K::Delete)?;
        self.expect_kw(K::From)?;
        let table = self.qualified_name("a table name")?;
        let alias = if self.eat_kw(K::As) {
            Some(self.name("an alias")?)
        } else {
            None
        };
        let indexed = self.indexed_by()?;
        let where_ = self.where_opt()?;
        let returning = self.returning()?;
        let order_by = self.order_by_opt()?;
        let (limit, offset) = self.limit_opt()?;
        Ok(Delete {
            with,
            table,
            alias,
            indexed,
            where_,
            returning,
            order_by,
            limit,
            offset,
        })
    }

    // ------------------------------------------------------------ DDL

    fn create(&mut self) -> Result<Stmt> {
        self.bump();
        let temp = self.eat_kw(K::Temp) || self.eat_kw(K::Temporary);
        let unique = self.eat_kw(K::Unique);
        let t = self.peek();
        match t.kind {
            T::Keyword(K::Table) if !unique => {
                self.bump();
                let if_not_exists = self.if_not_exists()?;
                let name = self.qualified_name("a table name")?;
                let body = if self.eat_kw(K::As) {
                    TableBody::AsSelect(self.select_boxed()?)
                } else {
                    self.table_body()?
                };
                Ok(Stmt::CreateTable(Box::new(CreateTable {
                    temp,
                    if_not_exists,
                    name,
                    body,
                })))
            }
            T::Keyword(K::Index) if !temp => {
                self.bump();
                let if_not_exists = self.if_not_exists()?;
                let name = self.qualified_name("an index name")?;
                self.expect_kw(K::On)?;
                let table = self.name("a table name")?;
                self.lparen()?;
                let columns = self.indexed_columns()?;
                self.rparen()?;
                let where_ = self.where_opt()?;
                Ok(Stmt::CreateIndex(Box::new(CreateIndex {
                    unique,
                    if_not_exists,
                    name,
                    table,
                    columns,
                    where_,
                })))
            }
            T::Keyword(K::View) if !unique => {
                self.bump();
                let if_not_exists = self.if_not_exists()?;
                let name = self.qualified_name("a view name")?;
                let columns = if self.at(T::LParen) {
                    self.paren_names("a column name")?
                } else {
                    Vec::new()
                };
                self.expect_kw(K::As)?;
                let select = self.select_boxed()?;
                Ok(Stmt::CreateView(Box::new(CreateView {
                    temp,
                    if_not_exists,
                    name,
                    columns,
                    select,
                })))
            }
            T::Keyword(K::Trigger) if !unique => self.create_trigger(temp),
            T::Ident if !unique && !temp && self.text(t).eq_ignore_ascii_case("schema") => {
                self.bump();
                let if_not_exists = self.if_not_exists()?;
                let name = self.name("a schema name")?;
                Ok(Stmt::CreateSchema {
                    name,
                    if_not_exists,
                })
            }
            _ if unique => Err(self.unexpected(t, "INDEX")),
            _ if temp => Err(self.unexpected(t, "TABLE, VIEW or TRIGGER")),
            _ => Err(self.unexpected(t, "TABLE, INDEX, VIEW, TRIGGER or SCHEMA")),
        }
    }

    fn table_body(&mut self) -> Result<TableBody> {
        self.lparen()?;
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        loop {
            if self.at_table_constraint() {
                break;
            }
            columns.push(self.column_def()?);
            if !self.eat(T::Comma) {
                break;
            }
        }
        if self.at_table_constraint() {
            loop {
                constraints.push(self.table_constraint()?);
                // The comma between table constraints is optional in SQLite.
                if !self.eat(T::Comma) && !self.at_table_constraint() {
                    break;
                }
            }
        }
        self.rparen()?;
        let mut strict = false;
        let mut without_rowid = false;
        if self.at_word("strict") || self.at_kw(K::Without) {
            loop {
                let t = self.peek();
                if self.at_word("strict") {
                    self.bump();
                    strict = true;
                } else if self.eat_kw(K::Without) {
                    if !self.at_word("rowid") {
                        let t = self.peek();
                        return Err(self.unexpected(t, "ROWID"));
                    }
                    self.bump();
                    without_rowid = true;
                } else {
                    return Err(self.unexpected(t, "STRICT or WITHOUT ROWID"));
                }
                if !self.eat(T::Comma) {
                    break;
                }
            }
        }
        Ok(TableBody::Columns {
            columns,
            constraints,
            strict,
            without_rowid,
        })
    }

    fn at_table_constraint(&mut self) -> bool {
        matches!(
            self.peek().kind,
            T::Keyword(K::Constraint | K::Primary | K::Unique | K::Check | K::Foreign)
        )
    }

    fn column_def(&mut self) -> Result<ColumnDef> {
        let pos = self.peek().pos;
        let name = self.name("a column name")?;
        let type_name = self.type_name()?;
        let constraints = self.column_constraints()?;
        Ok(ColumnDef {
            name,
            type_name,
            constraints,
            pos,
        })
    }

    fn column_constraints(&mut self) -> Result<Vec<ColumnConstraint>> {
        let mut out = Vec::new();
        loop {
            let name = if self.eat_kw(K::Constraint) {
                Some(self.name("a constraint name")?)
            } else {
                None
            };
            let t = self.peek();
            let kind = match t.kind {
                T::Keyword(K::Primary) => {
                    self.bump();
                    self.expect_kw(K::Key)?;
                    let order = if self.eat_kw(K::Desc) {
                        SortOrder::Desc
                    } else {
                        self.eat_kw(K::Asc);
                        SortOrder::Asc
                    };
                    let conflict = self.conflict_clause()?;
                    let autoincrement = self.eat_kw(K::Autoincrement);
                    ColumnConstraintKind::PrimaryKey {
                        order,
                        conflict,
                        autoincrement,
                    }
                }
                T::Keyword(K::Not) if self.peek_at(1).is_kw(K::Null) => {
                    self.bump();
                    self.bump();
                    ColumnConstraintKind::NotNull {
                        conflict: self.conflict_clause()?,
                    }
                }
                T::Keyword(K::Null) => {
                    self.bump();
                    self.conflict_clause()?;
                    ColumnConstraintKind::Null
                }
                T::Keyword(K::Unique) => {
                    self.bump();
                    ColumnConstraintKind::Unique {
                        conflict: self.conflict_clause()?,
                    }
                }
                T::Keyword(K::Check) => {
                    self.bump();
                    self.lparen()?;
                    let e = self.expr()?;
                    self.rparen()?;
                    ColumnConstraintKind::Check(e)
                }
                T::Keyword(K::Default) => {
                    self.bump();
                    ColumnConstraintKind::Default(self.default_value()?)
                }
                T::Keyword(K::Collate) => {
                    self.bump();
                    ColumnConstraintKind::Collate(self.name("a collation name")?)
                }
                T::Keyword(K::References) => {
                    self.bump();
                    ColumnConstraintKind::References(self.foreign_key_clause()?)
                }
                T::Keyword(K::Generated) => {
                    self.bump();
                    self.expect_kw(K::Always)?;
                    self.expect_kw(K::As)?;
                    self.generated()?
                }
                T::Keyword(K::As) => {
                    self.bump();
                    self.generated()?
                }
                _ if name.is_some() => return Err(self.unexpected(t, "a constraint")),
                _ => break,
            };
            out.push(ColumnConstraint { name, kind });
        }
        Ok(out)
    }

    fn generated(&mut self) -> Result<ColumnConstraintKind> {
        self.lparen()?;
        let expr = self.expr()?;
        self.rparen()?;
        let stored = if self.at_word("stored") {
            self.bump();
            true
        } else {
            self.eat_kw(K::Virtual);
            false
        };
        Ok(ColumnConstraintKind::Generated { expr, stored })
    }

    fn default_value(&mut self) -> Result<Expr> {
        let t = self.peek();
        match t.kind {
            T::LParen => {
                self.bump();
                let e = self.expr()?;
                self.rparen()?;
                Ok(e)
            }
            T::Plus => {
                self.bump();
                let t = self.peek();
                match t.kind {
                    T::Integer | T::Float | T::String | T::Blob | T::Keyword(K::Null) => {
                        self.primary().map(|e| *e)
                    }
                    _ => Err(self.unexpected(t, "a literal value")),
                }
            }
            T::Minus => {
                self.bump();
                self.negative_number()
            }
            T::Integer
            | T::Float
            | T::String
            | T::Blob
            | T::Keyword(K::Null | K::CurrentDate | K::CurrentTime | K::CurrentTimestamp) => {
                self.primary().map(|e| *e)
            }
            T::Ident if is_bool_word(self.text(t)) => self.primary().map(|e| *e),
            _ if Self::is_name(t, false) => {
                // SQLite stores DEFAULT word as the string 'word'.
                self.bump();
                Ok(Expr::Literal(Literal::Text(self.name_of(t))))
            }
            _ => Err(self.unexpected(t, "a default value")),
        }
    }

    fn foreign_key_clause(&mut self) -> Result<ForeignKey> {
        let table = self.name("a table name")?;
        let columns = if self.at(T::LParen) {
            self.paren_names("a column name")?
        } else {
            Vec::new()
        };
        let mut on_delete = None;
        let mut on_update = None;
        loop {
            if self.at_kw(K::On)
                && matches!(self.peek_at(1).kind, T::Keyword(K::Delete | K::Update))
            {
                self.bump();
                let which = self.bump();
                let action = self.fk_action()?;
                if which.is_kw(K::Delete) {
                    on_delete = Some(action);
                } else {
                    on_update = Some(action);
                }
            } else if self.eat_kw(K::Match) {
                // MATCH SIMPLE / FULL / PARTIAL: parsed and ignored, as in SQLite.
                self.name("a match type")?;
            } else {
                break;
            }
        }
        let mut deferred = false;
        if self.at_kw(K::Not) && self.peek_at(1).is_kw(K::Deferrable) {
            self.bump();
            self.bump();
            self.initially()?;
        } else if self.eat_kw(K::Deferrable) {
            deferred = self.initially()? == Some(true);
        }
        Ok(ForeignKey {
            table,
            columns,
            on_delete,
            on_update,
            deferred,
        })
    }

    /// `[INITIALLY DEFERRED | INITIALLY IMMEDIATE]`: Some(true) if deferred.
    fn initially(&mut self) -> Result<Option<bool>> {
        if !self.eat_kw(K::Initially) {
            return Ok(None);
        }
        if self.eat_kw(K::Deferred) {
            Ok(Some(true))
        } else {
            self.expect_kw(K::Immediate)?;
            Ok(Some(false))
        }
    }

    fn fk_action(&mut self) -> Result<FkAction> {
        let t = self.bump();
        Ok(match t.kind {
            T::Keyword(K::Set) => {
                let t2 = self.bump();
                match t2.kind {
                    T::Keyword(K::Null) => FkAction::SetNull,
                    T::Keyword(K::Default) => FkAction::SetDefault,
                    _ => return Err(self.unexpected(t2, "NULL or DEFAULT")),
                }
            }
            T::Keyword(K::Cascade) => FkAction::Cascade,
            T::Keyword(K::Restrict) => FkAction::Restrict,
            T::Keyword(K::No) => {
                self.expect_kw(K::Action)?;
                FkAction::NoAction
            }
            _ => {
                return Err(
                    self.unexpected(t, "SET NULL, SET DEFAULT, CASCADE, RESTRICT or NO ACTION")
                );
            }
        })
    }

    fn table_constraint(&mut self) -> Result<TableConstraint> {
        let name = if self.eat_kw(K::Constraint) {
            Some(self.name("a constraint name")?)
        } else {
            None
        };
        let t = self.bump();
        let kind = match t.kind {
            T::Keyword(K::Primary) => {
                self.expect_kw(K::Key)?;
                self.lparen()?;
                let columns = self.indexed_columns()?;
                let autoincrement = self.eat_kw(K::Autoincrement);
                self.rparen()?;
                TableConstraintKind::PrimaryKey {
                    columns,
                    conflict: self.conflict_clause()?,
                    autoincrement,
                }
            }
            T::Keyword(K::Unique) => {
                self.lparen()?;
                let columns = self.indexed_columns()?;
                self.rparen()?;
                TableConstraintKind::Unique {
                    columns,
                    conflict: self.conflict_clause()?,
                }
            }
            T::Keyword(K::Check) => {
                self.lparen()?;
                let e = self.expr()?;
                self.rparen()?;
                self.conflict_clause()?;
                TableConstraintKind::Check(e)
            }
            T::Keyword(K::Foreign) => {
                self.expect_kw(K::Key)?;
                let columns = self.paren_names("a column name")?;
                self.expect_kw(K::References)?;
                TableConstraintKind::ForeignKey {
                    columns,
                    fk: self.foreign_key_clause()?,
                }
            }
            _ => return Err(self.unexpected(t, "PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY")),
        };
        Ok(TableConstraint { name, kind })
    }

    /// Index / key columns: `expr [COLLATE c] [ASC|DESC]`, comma separated.
    fn indexed_columns(&mut self) -> Result<Vec<IndexedColumn>> {
        let mut out = Vec::new();
        loop {
            let (expr, collation) = match self.expr()? {
                Expr::Collate { expr, collation } => (*expr, Some(collation)),
                e => (e, None),
            };
            let order = if self.eat_kw(K::Desc) {
                SortOrder::Desc
            } else {
                self.eat_kw(K::Asc);
                SortOrder::Asc
            };
            out.push(IndexedColumn {
                expr,
                collation,
                order,
            });
            if !self.eat(T::Comma) {
                break;
            }
        }
        Ok(out)
    }

    fn create_trigger(&mut self, temp: bool) -> Result<Stmt> {
        self.bump();
        let if_not_exists = self.if_not_exists()?;
        let name = self.qualified_name("a trigger name")?;
        let time = if self.eat_kw(K::Before) {
            TriggerTime::Before
        } else if self.eat_kw(K::After) {
            TriggerTime::After
        } else if self.eat_kw(K::Instead) {
            self.expect_kw(K::Of)?;
            TriggerTime::InsteadOf
        } else {
            TriggerTime::Before
        };
        let t = self.bump();
        let event = match t.kind {
            T::Keyword(K::Insert) => TriggerEvent::Insert,
            T::Keyword(K::Delete) => TriggerEvent::Delete,
            T::Keyword(K::Update) => {
                let mut cols = Vec::new();
                if self.eat_kw(K::Of) {
                    loop {
                        cols.push(self.name("a column name")?);
                        if !self.eat(T::Comma) {
                            break;
                        }
                    }
                }
                TriggerEvent::Update(cols)
            }
            _ => return Err(self.unexpected(t, "INSERT, UPDATE or DELETE")),
        };
        self.expect_kw(K::On)?;
        let table = self.qualified_name("a table name")?;
        let for_each_row = if self.eat_kw(K::For) {
            self.expect_kw(K::Each)?;
            self.expect_kw(K::Row)?;
            true
        } else {
            false
        };
        let when = self.when_opt()?;
        self.expect_kw(K::Begin)?;
        let mut body = Vec::new();
        loop {
            let t = self.peek();
            let stmt = match t.kind {
                T::Keyword(K::Insert | K::Replace) => Stmt::Insert(Box::new(self.insert(None)?)),
                T::Keyword(K::Update) => Stmt::Update(Box::new(self.update(None)?)),
                T::Keyword(K::Delete) => Stmt::Delete(Box::new(self.delete(None)?)),
                T::Keyword(K::Select | K::Values | K::With) => self.with_statement()?,
                _ => return Err(self.unexpected(t, "INSERT, UPDATE, DELETE or SELECT")),
            };
            body.push(stmt);
            self.expect(T::Semi, "\";\"")?;
            if self.eat_kw(K::End) {
                break;
            }
        }
        Ok(Stmt::CreateTrigger(Box::new(CreateTrigger {
            temp,
            if_not_exists,
            name,
            time,
            event,
            table,
            for_each_row,
            when,
            body,
        })))
    }

    fn when_opt(&mut self) -> Result<Option<Expr>> {
        if self.eat_kw(K::When) {
            Ok(Some(self.expr()?))
        } else {
            Ok(None)
        }
    }

    fn drop(&mut self) -> Result<Stmt> {
        self.bump();
        let t = self.bump();
        let kind = match t.kind {
            T::Keyword(K::Table) => ObjectKind::Table,
            T::Keyword(K::Index) => ObjectKind::Index,
            T::Keyword(K::View) => ObjectKind::View,
            T::Keyword(K::Trigger) => ObjectKind::Trigger,
            T::Ident if self.text(t).eq_ignore_ascii_case("schema") => {
                let if_exists = self.if_exists()?;
                let name = self.name("a schema name")?;
                let cascade = if self.eat_kw(K::Cascade) {
                    true
                } else {
                    self.eat_kw(K::Restrict);
                    false
                };
                return Ok(Stmt::DropSchema {
                    name,
                    if_exists,
                    cascade,
                });
            }
            _ => return Err(self.unexpected(t, "TABLE, INDEX, VIEW, TRIGGER or SCHEMA")),
        };
        let if_exists = self.if_exists()?;
        let name = self.qualified_name("a name")?;
        Ok(Stmt::Drop {
            kind,
            if_exists,
            name,
        })
    }

    fn alter(&mut self) -> Result<Stmt> {
        self.bump();
        self.expect_kw(K::Table)?;
        let table = self.qualified_name("a table name")?;
        let t = self.bump();
        let action = match t.kind {
            T::Keyword(K::Add) => {
                self.eat_kw(K::Column);
                AlterAction::AddColumn(self.column_def()?)
            }
            T::Keyword(K::Rename) => {
                if self.eat_kw(K::To) {
                    AlterAction::RenameTo(self.name("a table name")?)
                } else {
                    // RENAME [COLUMN] a TO b; a column may itself be named
                    // "column", so COLUMN is only the keyword if a name follows.
                    if self.at_kw(K::Column) && !self.peek_at(1).is_kw(K::To) {
                        self.bump();
                    }
                    let old = self.name("a column name")?;
                    self.expect_kw(K::To)?;
                    let new = self.name("a column name")?;
                    AlterAction::RenameColumn { old, new }
                }
            }
            T::Keyword(K::Drop) => {
                if self.at_kw(K::Column) && Self::is_name(self.peek_at(1), true) {
                    self.bump();
                }
                AlterAction::DropColumn(self.name("a column name")?)
            }
            _ => return Err(self.unexpected(t, "ADD, RENAME or DROP")),
        };
        Ok(Stmt::AlterTable(Box::new(AlterTable { table, action })))
    }
}

fn is_null(expr: Box<Expr>, not: bool) -> Box<Expr> {
    Box::new(Expr::IsNull { expr, not })
}

fn like_op(k: K) -> LikeOp {
    match k {
        K::Glob => LikeOp::Glob,
        K::Match => LikeOp::Match,
        K::Regexp => LikeOp::Regexp,
        _ => LikeOp::Like,
    }
}

fn is_bool_word(s: &str) -> bool {
    s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")
}

/// A word that may be part of a type name: an identifier, a string or a
/// fallback keyword other than GENERATED (which starts a constraint).
fn is_type_word(t: Token) -> bool {
    match t.kind {
        T::Ident | T::QuotedIdent | T::String => true,
        T::Keyword(K::Generated) => false,
        T::Keyword(k) => k.class() == KeywordClass::Fallback,
        _ => false,
    }
}

/// A token's text for an error message, cut to a readable length.
pub(crate) fn snippet(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec;

    fn stmt(sql: &str) -> Stmt {
        let mut all = parse(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(all.len(), 1, "{sql}");
        all.remove(0).stmt
    }

    fn select(sql: &str) -> Select {
        match stmt(sql) {
            Stmt::Select(s) => *s,
            other => panic!("not a select: {other:?}"),
        }
    }

    fn core(sql: &str) -> SelectCore {
        match select(sql).body {
            SelectBody::Core(c) => *c,
            other => panic!("not a core: {other:?}"),
        }
    }

    fn err(sql: &str) -> String {
        match parse(sql) {
            Ok(p) => panic!("{sql} parsed: {p:?}"),
            Err(e) => {
                assert_eq!(e.kind(), crate::ErrorKind::Syntax, "{e:?}");
                e.message().to_string()
            }
        }
    }

    /// An expression as an S-expression, to check grouping.
    fn sx(e: &Expr) -> String {
        match e {
            Expr::Column { table, name, .. } => match table {
                Some(t) => format!("{t}.{name}"),
                None => name.clone(),
            },
            Expr::Param { index, .. } => format!("?{index}"),
            Expr::Unary { op, expr } => {
                let op = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                    UnaryOp::Not => "NOT",
                    UnaryOp::BitNot => "~",
                };
                format!("({op} {})", sx(expr))
            }
            Expr::Binary {
                op, left, right, ..
            } => format!("({op:?} {} {})", sx(left), sx(right)),
            Expr::Between {
                expr,
                low,
                high,
                not,
            } => format!(
                "({}BETWEEN {} {} {})",
                if *not { "NOT " } else { "" },
                sx(expr),
                sx(low),
                sx(high)
            ),
            Expr::IsNull { expr, not } => {
                format!("({} {})", if *not { "NOTNULL" } else { "ISNULL" }, sx(expr))
            }
            Expr::Collate { expr, collation } => format!("(COLLATE {} {collation})", sx(expr)),
            Expr::Like {
                op,
                expr,
                pattern,
                escape,
                not,
            } => format!(
                "({}{op:?} {} {}{})",
                if *not { "NOT " } else { "" },
                sx(expr),
                sx(pattern),
                escape
                    .as_ref()
                    .map(|e| format!(" ESCAPE {}", sx(e)))
                    .unwrap_or_default()
            ),
            Expr::InList { expr, list, not } => format!(
                "({}IN {} [{}])",
                if *not { "NOT " } else { "" },
                sx(expr),
                list.iter().map(sx).collect::<Vec<_>>().join(" ")
            ),
            Expr::Exists { not, .. } => format!("({}EXISTS)", if *not { "NOT " } else { "" }),
            Expr::Row(items) => format!(
                "(ROW {})",
                items.iter().map(sx).collect::<Vec<_>>().join(" ")
            ),
            other => format!("{other}"),
        }
    }

    fn px(sql: &str) -> String {
        sx(&parse_expr(sql).unwrap_or_else(|e| panic!("{sql}: {e}")))
    }

    #[test]
    fn precedence() {
        let cases = [
            ("1 + 2 * 3", "(Add 1 (Mul 2 3))"),
            ("1 - 2 - 3", "(Sub (Sub 1 2) 3)"),
            ("a OR b AND c", "(Or a (And b c))"),
            ("a AND b OR c", "(Or (And a b) c)"),
            ("NOT a = b", "(NOT (Eq a b))"),
            ("NOT a AND b", "(And (NOT a) b)"),
            ("NOT NOT a", "(NOT (NOT a))"),
            ("a = NOT b", "(Eq a (NOT b))"),
            ("- - 5", "(- (- 5))"),
            ("+ - ~ 3", "(+ (- (~ 3)))"),
            ("-a * b", "(Mul (- a) b)"),
            ("x BETWEEN a AND b AND c", "(And (BETWEEN x a b) c)"),
            (
                "x NOT BETWEEN 1 + 1 AND 2 * 3",
                "(NOT BETWEEN x (Add 1 1) (Mul 2 3))",
            ),
            ("a < b = c < d", "(Eq (Lt a b) (Lt c d))"),
            ("a = b = c", "(Eq (Eq a b) c)"),
            ("a & b + c", "(BitAnd a (Add b c))"),
            ("a << 2 | 1", "(BitOr (Shl a 2) 1)"),
            ("a || b COLLATE nocase", "(Concat a (COLLATE b nocase))"),
            ("-a COLLATE nocase", "(COLLATE (- a) nocase)"),
            ("a || b * c", "(Mul (Concat a b) c)"),
            ("a -> '$.x' ->> 'y'", "(Arrow2 (Arrow a '$.x') 'y')"),
            ("a = b IS NULL", "(ISNULL (Eq a b))"),
            ("a IS NULL", "(ISNULL a)"),
            ("a IS NOT NULL", "(NOTNULL a)"),
            ("a ISNULL", "(ISNULL a)"),
            ("a NOTNULL", "(NOTNULL a)"),
            ("a NOT NULL", "(NOTNULL a)"),
            ("a IS (NULL)", "(Is a NULL)"),
            ("a IS NULL + 1", "(Is a (Add NULL 1))"),
            ("a IS b", "(Is a b)"),
            ("a IS NOT b", "(IsNot a b)"),
            ("a IS DISTINCT FROM b", "(IsNot a b)"),
            ("a IS NOT DISTINCT FROM NULL", "(Is a NULL)"),
            ("a == b", "(Eq a b)"),
            ("a <> b", "(Ne a b)"),
            ("a != b", "(Ne a b)"),
            ("a NOT IN (1, 2)", "(NOT IN a [1 2])"),
            ("a IN ()", "(IN a [])"),
            ("a NOT LIKE 'x%' ESCAPE '!'", "(NOT Like a 'x%' ESCAPE '!')"),
            ("a GLOB b AND c", "(And (Glob a b) c)"),
            ("a LIKE b = c", "(Eq (Like a b) c)"),
            ("a REGEXP b", "(Regexp a b)"),
            ("a MATCH b", "(Match a b)"),
            ("NOT EXISTS (SELECT 1)", "(NOT EXISTS)"),
            ("EXISTS (SELECT 1)", "(EXISTS)"),
            ("(1, 2) = (3, 4)", "(Eq (ROW 1 2) (ROW 3 4))"),
            ("((a))", "a"),
            ("t.a + s.b", "(Add t.a s.b)"),
            (
                "a > 1 AND b < 2 OR NOT c >= 3",
                "(Or (And (Gt a 1) (Lt b 2)) (NOT (Ge c 3)))",
            ),
            ("~a % 2", "(Mod (~ a) 2)"),
        ];
        for (sql, want) in cases {
            assert_eq!(px(sql), want, "{sql}");
        }
    }

    #[test]
    fn literals() {
        use Literal as L;
        let lit = |s: &str| match parse_expr(s).unwrap() {
            Expr::Literal(l) => l,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(lit("42"), L::Integer(42));
        assert_eq!(lit("0x7fffffffffffffff"), L::Integer(i64::MAX));
        assert_eq!(lit("0xFFFFFFFFFFFFFFFF"), L::Integer(-1));
        assert_eq!(lit("9223372036854775807"), L::Integer(i64::MAX));
        assert_eq!(lit("9223372036854775808"), L::Real(9223372036854775808.0));
        assert_eq!(lit("-9223372036854775808"), L::Integer(i64::MIN));
        assert_eq!(lit("99999999999999999999"), L::Real(1e20));
        assert_eq!(lit("1.5"), L::Real(1.5));
        assert_eq!(lit(".5"), L::Real(0.5));
        assert_eq!(lit("1e10"), L::Real(1e10));
        assert_eq!(lit("1.e5"), L::Real(1e5));
        assert_eq!(lit("'it''s'"), L::Text("it's".into()));
        assert_eq!(lit("X'0A1b'"), L::Blob(vec![0x0a, 0x1b]));
        assert_eq!(lit("x''"), L::Blob(vec![]));
        assert_eq!(lit("NULL"), L::Null);
        assert_eq!(lit("TRUE"), L::Bool(true));
        assert_eq!(lit("false"), L::Bool(false));
        assert!(matches!(
            parse_expr("-9223372036854775807").unwrap(),
            Expr::Unary { op: UnaryOp::Neg, expr } if *expr == Expr::Literal(L::Integer(i64::MAX))
        ));
        assert!(matches!(
            parse_expr("CURRENT_TIMESTAMP").unwrap(),
            Expr::Function { name, args, .. } if name == "CURRENT_TIMESTAMP" && args.is_empty()
        ));
        assert!(matches!(
            parse_expr("current_date").unwrap(),
            Expr::Function { name, .. } if name == "current_date"
        ));
        assert!(err("SELECT x'0A1'").contains("malformed blob"));
        assert!(err("SELECT x'GG'").contains("malformed blob"));
        assert!(err("SELECT 0x1ffffffffffffffff").contains("hex literal too big"));
        assert!(err("SELECT 12abc").contains("malformed number"));
    }

    #[test]
    fn expression_forms() {
        let e = parse_expr("CAST(x AS VARCHAR(30))").unwrap();
        assert!(matches!(&e, Expr::Cast { type_name, .. } if type_name == "VARCHAR(30)"));
        let e = parse_expr("CAST(x AS UNSIGNED BIG INT)").unwrap();
        assert!(matches!(&e, Expr::Cast { type_name, .. } if type_name == "UNSIGNED BIG INT"));
        let e = parse_expr("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END").unwrap();
        assert!(
            matches!(&e, Expr::Case { operand: None, whens, else_: Some(_) } if whens.len() == 2)
        );
        let e = parse_expr("CASE x WHEN 1 THEN 'a' END").unwrap();
        assert!(
            matches!(&e, Expr::Case { operand: Some(_), whens, else_: None } if whens.len() == 1)
        );
        let e = parse_expr("count(*)").unwrap();
        assert!(
            matches!(&e, Expr::Function { name, star: true, args, .. } if name == "count" && args.is_empty())
        );
        let e = parse_expr("count(DISTINCT x)").unwrap();
        assert!(matches!(&e, Expr::Function { distinct: true, args, .. } if args.len() == 1));
        let e = parse_expr("sum(x) FILTER (WHERE x > 0) OVER w").unwrap();
        assert!(
            matches!(&e, Expr::Function { filter: Some(_), over: Some(Over::Named(w)), .. } if w == "w")
        );
        let e = parse_expr(
            "rank() OVER (base PARTITION BY a, b ORDER BY c DESC NULLS LAST \
             ROWS BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES)",
        )
        .unwrap();
        let Expr::Function {
            over: Some(Over::Spec(spec)),
            ..
        } = e
        else {
            panic!()
        };
        assert_eq!(spec.base.as_deref(), Some("base"));
        assert_eq!(spec.partition_by.len(), 2);
        assert_eq!(spec.order_by[0].order, SortOrder::Desc);
        assert_eq!(spec.order_by[0].nulls, Some(NullsOrder::Last));
        let frame = spec.frame.unwrap();
        assert_eq!(frame.units, FrameUnits::Rows);
        assert!(matches!(frame.start, FrameBound::Preceding(_)));
        assert_eq!(frame.end, FrameBound::UnboundedFollowing);
        assert_eq!(frame.exclude, FrameExclude::Ties);
        let e = parse_expr("sum(x) OVER (RANGE CURRENT ROW)").unwrap();
        let Expr::Function {
            over: Some(Over::Spec(spec)),
            ..
        } = e
        else {
            panic!()
        };
        let frame = spec.frame.unwrap();
        assert_eq!(
            (frame.start, frame.end),
            (FrameBound::CurrentRow, FrameBound::CurrentRow)
        );
        assert!(matches!(
            parse_expr("x IN (SELECT 1)").unwrap(),
            Expr::InSelect { not: false, .. }
        ));
        assert!(matches!(
            parse_expr("x NOT IN main.t").unwrap(),
            Expr::InTable { table, not: true, .. } if table.schema.as_deref() == Some("main") && table.name == "t"
        ));
        assert!(matches!(
            parse_expr("(SELECT 1)").unwrap(),
            Expr::Subquery(_)
        ));
        assert!(matches!(
            parse_expr("RAISE(ABORT, 'no')").unwrap(),
            Expr::Raise {
                kind: RaiseKind::Abort,
                message: Some(_)
            }
        ));
        assert!(matches!(
            parse_expr("RAISE(IGNORE)").unwrap(),
            Expr::Raise {
                kind: RaiseKind::Ignore,
                message: None
            }
        ));
        assert!(matches!(
            parse_expr("s.t.c").unwrap(),
            Expr::Column { schema: Some(s), table: Some(t), name, .. } if s == "s" && t == "t" && name == "c"
        ));
        // Keywords that are also function names.
        assert!(
            matches!(parse_expr("replace(a, 'b', 'c')").unwrap(), Expr::Function { name, .. } if name == "replace")
        );
        assert!(
            matches!(parse_expr("like(a, b)").unwrap(), Expr::Function { name, .. } if name == "like")
        );
        assert!(
            matches!(parse_expr("\"count\"(*)").unwrap(), Expr::Function { name, star: true, .. } if name == "count")
        );
    }

    #[test]
    fn keywords_as_identifiers() {
        let c = core(
            "SELECT key, value, type, name, id, text, date, action, replace, end, first, left FROM t",
        );
        let names: Vec<String> = c
            .columns
            .iter()
            .map(|c| match c {
                ResultColumn::Expr {
                    expr: Expr::Column { name, .. },
                    ..
                } => name.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            names,
            [
                "key", "value", "type", "name", "id", "text", "date", "action", "replace", "end",
                "first", "left"
            ]
        );
        let Stmt::CreateTable(ct) =
            stmt("CREATE TABLE key(key TEXT, value INT, action, \"select\", [from] TEXT, `order`)")
        else {
            panic!()
        };
        assert_eq!(ct.name.name, "key");
        let TableBody::Columns { columns, .. } = &ct.body else {
            panic!()
        };
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["key", "value", "action", "select", "from", "order"]);
        // Implicit aliases: fallback keywords yes, join words no.
        let c = core("SELECT a desc, b 'x', c \"y\" FROM t1 key LEFT JOIN t2 AS left");
        let aliases: Vec<Option<String>> = c
            .columns
            .iter()
            .map(|c| match c {
                ResultColumn::Expr { alias, .. } => alias.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(
            aliases,
            [Some("desc".into()), Some("x".into()), Some("y".into())]
        );
        let Some(FromItem::Join {
            left, right, kind, ..
        }) = c.from
        else {
            panic!()
        };
        assert_eq!(kind, JoinKind::Left);
        assert!(matches!(*left, FromItem::Table { alias: Some(a), .. } if a == "key"));
        assert!(matches!(*right, FromItem::Table { alias: Some(a), .. } if a == "left"));
        // Reserved words are not names.
        assert!(err("SELECT select FROM t").contains("near \"select\""));
        assert!(err("CREATE TABLE t(from)").contains("near \"from\""));
        // WINDOW as an alias, and as a clause.
        let c = core("SELECT a window FROM t");
        assert!(
            matches!(&c.columns[0], ResultColumn::Expr { alias: Some(a), .. } if a == "window")
        );
        let c = core("SELECT sum(a) OVER w FROM t WINDOW w AS (ORDER BY b)");
        assert_eq!(c.windows.len(), 1);
        let c = core("SELECT a FROM t window WINDOW w AS ()");
        assert!(matches!(c.from, Some(FromItem::Table { alias: Some(a), .. }) if a == "window"));
        assert_eq!(c.windows.len(), 1);
    }

    #[test]
    fn select_forms() {
        let s = select(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10), \
             d AS NOT MATERIALIZED (VALUES (1)) \
             SELECT DISTINCT c.*, x AS y, x + 1 FROM c, d WHERE x > 1 GROUP BY x HAVING count(*) > 0 \
             ORDER BY 1 DESC, 2 NULLS FIRST LIMIT 5 OFFSET 2",
        );
        let with = s.with.as_ref().unwrap();
        assert!(with.recursive);
        assert_eq!(with.ctes.len(), 2);
        assert_eq!(with.ctes[0].columns, ["x"]);
        assert_eq!(with.ctes[1].materialized, Some(false));
        assert!(matches!(with.ctes[1].select.body, SelectBody::Values(_)));
        assert_eq!(s.order_by.len(), 2);
        assert_eq!(s.limit, Some(Expr::Literal(Literal::Integer(5))));
        assert_eq!(s.offset, Some(Expr::Literal(Literal::Integer(2))));
        let SelectBody::Core(c) = &s.body else {
            panic!()
        };
        assert!(c.distinct);
        assert_eq!(c.columns[0], ResultColumn::TableStar("c".into()));
        assert!(
            matches!(&c.columns[2], ResultColumn::Expr { span, alias: None, .. } if span == "x + 1")
        );
        assert_eq!(c.group_by.len(), 1);
        assert!(c.having.is_some());

        // LIMIT offset, count
        let s = select("SELECT * FROM t LIMIT 3, 7");
        assert_eq!(s.limit, Some(Expr::Literal(Literal::Integer(7))));
        assert_eq!(s.offset, Some(Expr::Literal(Literal::Integer(3))));

        // Compound: left-associative; ORDER BY/LIMIT belong to the whole.
        let s = select(
            "SELECT 1 UNION SELECT 2 EXCEPT SELECT 3 INTERSECT VALUES (4) ORDER BY 1 LIMIT 1",
        );
        let SelectBody::Compound { op, left, .. } = &s.body else {
            panic!()
        };
        assert_eq!(*op, CompoundOp::Intersect);
        let SelectBody::Compound { op, left, .. } = &**left else {
            panic!()
        };
        assert_eq!(*op, CompoundOp::Except);
        assert!(matches!(
            &**left,
            SelectBody::Compound {
                op: CompoundOp::Union,
                ..
            }
        ));
        assert_eq!(s.order_by.len(), 1);

        // VALUES as a statement; rows must agree in width.
        let s = select("VALUES (1, 2), (3, 4)");
        assert!(matches!(&s.body, SelectBody::Values(rows) if rows.len() == 2));
        assert!(err("VALUES (1, 2), (3)").contains("same number of terms"));

        // Span is the exact source text.
        let c = core("SELECT a+1, \"b\" , f( x ),t.c FROM t");
        let spans: Vec<&str> = c
            .columns
            .iter()
            .map(|c| match c {
                ResultColumn::Expr { span, .. } => span.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(spans, ["a+1", "\"b\"", "f( x )", "t.c"]);
    }

    #[test]
    fn from_forms() {
        let c = core(
            "SELECT * FROM a NATURAL LEFT OUTER JOIN b USING (x, y) CROSS JOIN c \
             INNER JOIN main.d AS dd INDEXED BY i ON a.x = dd.x RIGHT JOIN e NOT INDEXED \
             FULL OUTER JOIN (SELECT 1) AS s JOIN json_each('[1]') j, (f JOIN g) ON 1",
        );
        let mut kinds = Vec::new();
        let mut item = c.from.unwrap();
        while let FromItem::Join {
            left,
            right,
            kind,
            natural,
            constraint,
        } = item
        {
            kinds.push((kind, natural, constraint != JoinConstraint::None));
            if let FromItem::Table {
                name,
                indexed,
                alias,
            } = &*right
            {
                match name.name.as_str() {
                    "d" => {
                        assert_eq!(name.schema.as_deref(), Some("main"));
                        assert_eq!(alias.as_deref(), Some("dd"));
                        assert_eq!(*indexed, Some(IndexedBy::Index("i".into())));
                    }
                    "e" => assert_eq!(*indexed, Some(IndexedBy::NotIndexed)),
                    _ => {}
                }
            }
            if let FromItem::Function {
                name, args, alias, ..
            } = &*right
            {
                assert_eq!(
                    (name.as_str(), args.len(), alias.as_deref()),
                    ("json_each", 1, Some("j"))
                );
            }
            if let FromItem::Subquery { alias, .. } = &*right {
                assert_eq!(alias.as_deref(), Some("s"));
            }
            item = *left;
        }
        kinds.reverse();
        assert_eq!(
            kinds,
            [
                (JoinKind::Left, true, true),
                (JoinKind::Cross, false, false),
                (JoinKind::Inner, false, true),
                (JoinKind::Right, false, false),
                (JoinKind::Full, false, false),
                (JoinKind::Inner, false, false),
                (JoinKind::Inner, false, true),
            ]
        );
        assert!(matches!(
            core("SELECT * FROM (t) AS x").from,
            Some(FromItem::Table { alias: Some(a), .. }) if a == "x"
        ));
    }

    #[test]
    fn dml() {
        let Stmt::Insert(i) = stmt(
            "WITH x AS (SELECT 1) INSERT OR IGNORE INTO main.t AS tt (a, b) VALUES (1, 2), (3, 4) \
             ON CONFLICT (a COLLATE nocase DESC) WHERE a > 0 DO UPDATE SET b = excluded.b WHERE b < 5 \
             ON CONFLICT DO NOTHING RETURNING *, a AS x",
        ) else {
            panic!()
        };
        assert!(i.with.is_some());
        assert_eq!(i.or, Some(Conflict::Ignore));
        assert_eq!(i.table.schema.as_deref(), Some("main"));
        assert_eq!(i.alias.as_deref(), Some("tt"));
        assert_eq!(i.columns, ["a", "b"]);
        assert_eq!(i.upsert.len(), 2);
        let (cols, w) = i.upsert[0].target.as_ref().unwrap();
        assert_eq!(cols[0].collation.as_deref(), Some("nocase"));
        assert_eq!(cols[0].order, SortOrder::Desc);
        assert!(w.is_some());
        assert!(
            matches!(&i.upsert[0].action, UpsertAction::Update { sets, where_: Some(_) } if sets.len() == 1)
        );
        assert_eq!(i.upsert[1].target, None);
        assert_eq!(i.upsert[1].action, UpsertAction::Nothing);
        assert_eq!(i.returning.len(), 2);

        let Stmt::Insert(i) = stmt("REPLACE INTO t DEFAULT VALUES") else {
            panic!()
        };
        assert_eq!(i.or, Some(Conflict::Replace));
        assert_eq!(i.source, InsertSource::DefaultValues);
        let Stmt::Insert(i) = stmt("INSERT INTO t SELECT * FROM s ON CONFLICT DO NOTHING") else {
            panic!()
        };
        assert!(matches!(i.source, InsertSource::Select(_)));
        assert_eq!(i.upsert.len(), 1);

        let Stmt::Update(u) = stmt(
            "UPDATE OR REPLACE t AS x INDEXED BY i SET a = 1, (b, c) = (2, 3) FROM s \
             WHERE x.id = s.id RETURNING a ORDER BY a LIMIT 1 OFFSET 2",
        ) else {
            panic!()
        };
        assert_eq!(u.or, Some(Conflict::Replace));
        assert_eq!(u.alias.as_deref(), Some("x"));
        assert_eq!(u.indexed, Some(IndexedBy::Index("i".into())));
        assert_eq!(u.sets[1].columns, ["b", "c"]);
        assert!(matches!(u.sets[1].expr, Expr::Row(_)));
        assert!(u.from.is_some() && u.where_.is_some());
        assert_eq!(u.returning.len(), 1);
        assert_eq!(u.order_by.len(), 1);
        assert!(u.limit.is_some() && u.offset.is_some());

        let Stmt::Delete(d) = stmt("DELETE FROM t NOT INDEXED WHERE a = 1 RETURNING a LIMIT 1")
        else {
            panic!()
        };
        assert_eq!(d.indexed, Some(IndexedBy::NotIndexed));
        assert!(d.where_.is_some() && d.limit.is_some());
    }

    #[test]
    fn create_table() {
        let Stmt::CreateTable(ct) = stmt(
            "CREATE TEMPORARY TABLE IF NOT EXISTS s.t (\
               id INTEGER CONSTRAINT pk PRIMARY KEY DESC ON CONFLICT REPLACE AUTOINCREMENT,\
               a VARCHAR(30) NOT NULL ON CONFLICT FAIL UNIQUE DEFAULT 'x' COLLATE nocase,\
               b DOUBLE PRECISION NULL DEFAULT -1.5 CHECK (b > 0),\
               c UNSIGNED BIG INT DEFAULT (1 + 2) REFERENCES p (x) ON DELETE CASCADE ON UPDATE SET NULL MATCH FULL DEFERRABLE INITIALLY DEFERRED,\
               d DECIMAL(10, 5) GENERATED ALWAYS AS (a || b) STORED,\
               e AS (1) VIRTUAL,\
               f DEFAULT CURRENT_TIMESTAMP,\
               g DEFAULT abc,\
               h DEFAULT +5,\
               i DEFAULT TRUE,\
               j INT GENERATED ALWAYS AS (2),\
               CONSTRAINT u UNIQUE (a, b COLLATE binary DESC) ON CONFLICT IGNORE,\
               PRIMARY KEY (id AUTOINCREMENT)\
               CHECK (a <> b),\
               FOREIGN KEY (c, d) REFERENCES p (x, y) ON DELETE NO ACTION NOT DEFERRABLE\
             ) STRICT, WITHOUT ROWID",
        ) else {
            panic!()
        };
        assert!(ct.temp && ct.if_not_exists);
        assert_eq!(ct.name.schema.as_deref(), Some("s"));
        let TableBody::Columns {
            columns,
            constraints,
            strict,
            without_rowid,
        } = ct.body
        else {
            panic!()
        };
        assert!(strict && without_rowid);
        let types: Vec<Option<&str>> = columns.iter().map(|c| c.type_name.as_deref()).collect();
        assert_eq!(
            types,
            [
                Some("INTEGER"),
                Some("VARCHAR(30)"),
                Some("DOUBLE PRECISION"),
                Some("UNSIGNED BIG INT"),
                Some("DECIMAL(10, 5)"),
                None,
                None,
                None,
                None,
                None,
                Some("INT")
            ]
        );
        use ColumnConstraintKind as C;
        assert_eq!(columns[0].constraints[0].name.as_deref(), Some("pk"));
        assert_eq!(
            columns[0].constraints[0].kind,
            C::PrimaryKey {
                order: SortOrder::Desc,
                conflict: Some(Conflict::Replace),
                autoincrement: true
            }
        );
        let a: Vec<&C> = columns[1].constraints.iter().map(|c| &c.kind).collect();
        assert_eq!(
            a,
            [
                &C::NotNull {
                    conflict: Some(Conflict::Fail)
                },
                &C::Unique { conflict: None },
                &C::Default(Expr::Literal(Literal::Text("x".into()))),
                &C::Collate("nocase".into())
            ]
        );
        assert_eq!(columns[2].constraints[0].kind, C::Null);
        assert!(matches!(
            &columns[2].constraints[1].kind,
            C::Default(Expr::Unary {
                op: UnaryOp::Neg,
                ..
            })
        ));
        assert!(matches!(&columns[2].constraints[2].kind, C::Check(_)));
        assert!(matches!(
            &columns[3].constraints[0].kind,
            C::Default(Expr::Binary { .. })
        ));
        let C::References(fk) = &columns[3].constraints[1].kind else {
            panic!()
        };
        assert_eq!(fk.table, "p");
        assert_eq!(fk.columns, ["x"]);
        assert_eq!(fk.on_delete, Some(FkAction::Cascade));
        assert_eq!(fk.on_update, Some(FkAction::SetNull));
        assert!(fk.deferred);
        assert!(matches!(
            &columns[4].constraints[0].kind,
            C::Generated { stored: true, .. }
        ));
        assert!(matches!(
            &columns[5].constraints[0].kind,
            C::Generated { stored: false, .. }
        ));
        assert!(
            matches!(&columns[6].constraints[0].kind, C::Default(Expr::Function { name, .. }) if name == "CURRENT_TIMESTAMP")
        );
        assert_eq!(
            columns[7].constraints[0].kind,
            C::Default(Expr::Literal(Literal::Text("abc".into())))
        );
        assert_eq!(
            columns[8].constraints[0].kind,
            C::Default(Expr::Literal(Literal::Integer(5)))
        );
        assert_eq!(
            columns[9].constraints[0].kind,
            C::Default(Expr::Literal(Literal::Bool(true)))
        );
        assert!(matches!(
            &columns[10].constraints[0].kind,
            C::Generated { stored: false, .. }
        ));

        use TableConstraintKind as TC;
        assert_eq!(constraints.len(), 4);
        assert_eq!(constraints[0].name.as_deref(), Some("u"));
        let TC::Unique {
            columns: uc,
            conflict,
        } = &constraints[0].kind
        else {
            panic!()
        };
        assert_eq!(*conflict, Some(Conflict::Ignore));
        assert_eq!(uc[1].collation.as_deref(), Some("binary"));
        assert_eq!(uc[1].order, SortOrder::Desc);
        assert!(matches!(
            &constraints[1].kind,
            TC::PrimaryKey {
                autoincrement: true,
                ..
            }
        ));
        assert!(matches!(&constraints[2].kind, TC::Check(_)));
        let TC::ForeignKey { columns: fc, fk } = &constraints[3].kind else {
            panic!()
        };
        assert_eq!(fc, &["c", "d"]);
        assert_eq!(fk.on_delete, Some(FkAction::NoAction));
        assert!(!fk.deferred);

        let Stmt::CreateTable(ct) = stmt("CREATE TABLE t AS SELECT 1 AS a") else {
            panic!()
        };
        assert!(matches!(ct.body, TableBody::AsSelect(_)));
        let Stmt::CreateTable(ct) = stmt("CREATE TABLE 'quoted'(\"a b\" 'text')") else {
            panic!()
        };
        assert_eq!(ct.name.name, "quoted");
        assert!(err("CREATE TABLE t()").contains("expected a column name"));
        assert!(err("CREATE TABLE t(a) WITHOUT x").contains("ROWID"));
    }

    #[test]
    fn other_ddl() {
        let Stmt::CreateIndex(ci) = stmt(
            "CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a DESC, b COLLATE nocase, lower(c)) WHERE a > 0",
        ) else {
            panic!()
        };
        assert!(ci.unique && ci.if_not_exists);
        assert_eq!(ci.table, "t");
        assert_eq!(ci.columns.len(), 3);
        assert_eq!(ci.columns[0].order, SortOrder::Desc);
        assert_eq!(ci.columns[1].collation.as_deref(), Some("nocase"));
        assert!(matches!(ci.columns[2].expr, Expr::Function { .. }));
        assert!(ci.where_.is_some());

        let Stmt::CreateView(cv) = stmt("CREATE TEMP VIEW IF NOT EXISTS v(a, b) AS SELECT 1, 2")
        else {
            panic!()
        };
        assert!(cv.temp && cv.if_not_exists);
        assert_eq!(cv.columns, ["a", "b"]);

        let Stmt::CreateTrigger(tr) = stmt(
            "CREATE TEMP TRIGGER IF NOT EXISTS tr INSTEAD OF UPDATE OF a, b ON v FOR EACH ROW \
             WHEN new.a > 0 BEGIN \
               INSERT INTO log VALUES (new.a); \
               UPDATE t SET a = new.a WHERE id = old.id; \
               DELETE FROM t WHERE a IS NULL; \
               SELECT RAISE(FAIL, 'bad') WHERE new.a > 10; \
             END",
        ) else {
            panic!()
        };
        assert!(tr.temp && tr.if_not_exists && tr.for_each_row);
        assert_eq!(tr.time, TriggerTime::InsteadOf);
        assert_eq!(tr.event, TriggerEvent::Update(vec!["a".into(), "b".into()]));
        assert!(tr.when.is_some());
        assert_eq!(tr.body.len(), 4);
        let Stmt::CreateTrigger(tr) = stmt("CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN SELECT 1; END;")
        else {
            panic!()
        };
        assert_eq!(tr.time, TriggerTime::Before);
        assert_eq!(tr.event, TriggerEvent::Update(vec![]));
        assert!(
            err("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1 END").contains("expected \";\"")
        );

        assert_eq!(
            stmt("CREATE SCHEMA IF NOT EXISTS s"),
            Stmt::CreateSchema {
                name: "s".into(),
                if_not_exists: true
            }
        );
        assert_eq!(
            stmt("DROP SCHEMA IF EXISTS s CASCADE"),
            Stmt::DropSchema {
                name: "s".into(),
                if_exists: true,
                cascade: true
            }
        );
        for (sql, kind) in [
            ("DROP TABLE IF EXISTS main.t", ObjectKind::Table),
            ("DROP INDEX i", ObjectKind::Index),
            ("DROP VIEW v", ObjectKind::View),
            ("DROP TRIGGER tr", ObjectKind::Trigger),
        ] {
            assert!(
                matches!(stmt(sql), Stmt::Drop { kind: k, .. } if k == kind),
                "{sql}"
            );
        }
        let alter = |sql: &str| match stmt(sql) {
            Stmt::AlterTable(a) => a.action,
            other => panic!("{other:?}"),
        };
        assert!(
            matches!(alter("ALTER TABLE t ADD COLUMN c INT DEFAULT 0"), AlterAction::AddColumn(c) if c.name == "c")
        );
        assert!(matches!(alter("ALTER TABLE t ADD c"), AlterAction::AddColumn(c) if c.name == "c"));
        assert_eq!(
            alter("ALTER TABLE t RENAME TO u"),
            AlterAction::RenameTo("u".into())
        );
        assert_eq!(
            alter("ALTER TABLE t RENAME COLUMN a TO b"),
            AlterAction::RenameColumn {
                old: "a".into(),
                new: "b".into()
            }
        );
        assert_eq!(
            alter("ALTER TABLE t RENAME a TO b"),
            AlterAction::RenameColumn {
                old: "a".into(),
                new: "b".into()
            }
        );
        assert_eq!(
            alter("ALTER TABLE t DROP COLUMN a"),
            AlterAction::DropColumn("a".into())
        );
        assert_eq!(
            alter("ALTER TABLE t DROP a"),
            AlterAction::DropColumn("a".into())
        );
    }

    #[test]
    fn other_statements() {
        assert_eq!(stmt("BEGIN"), Stmt::Begin(TxnMode::Deferred));
        assert_eq!(
            stmt("BEGIN IMMEDIATE TRANSACTION"),
            Stmt::Begin(TxnMode::Immediate)
        );
        assert_eq!(stmt("begin exclusive"), Stmt::Begin(TxnMode::Exclusive));
        assert_eq!(stmt("COMMIT TRANSACTION"), Stmt::Commit);
        assert_eq!(stmt("END"), Stmt::Commit);
        assert_eq!(stmt("ROLLBACK"), Stmt::Rollback { savepoint: None });
        assert_eq!(
            stmt("ROLLBACK TRANSACTION TO SAVEPOINT sp"),
            Stmt::Rollback {
                savepoint: Some("sp".into())
            }
        );
        assert_eq!(
            stmt("ROLLBACK TO sp"),
            Stmt::Rollback {
                savepoint: Some("sp".into())
            }
        );
        assert_eq!(stmt("SAVEPOINT sp"), Stmt::Savepoint("sp".into()));
        assert_eq!(stmt("RELEASE SAVEPOINT sp"), Stmt::Release("sp".into()));
        assert_eq!(stmt("RELEASE sp"), Stmt::Release("sp".into()));
        assert!(matches!(
            stmt("EXPLAIN QUERY PLAN SELECT 1"),
            Stmt::Explain {
                query_plan: true,
                ..
            }
        ));
        assert!(matches!(
            stmt("EXPLAIN DELETE FROM t"),
            Stmt::Explain {
                query_plan: false,
                ..
            }
        ));
        assert_eq!(stmt("ANALYZE"), Stmt::Analyze(None));
        assert!(matches!(stmt("ANALYZE main.t"), Stmt::Analyze(Some(_))));
        assert_eq!(stmt("REINDEX"), Stmt::Reindex(None));
        assert!(matches!(stmt("REINDEX nocase"), Stmt::Reindex(Some(n)) if n.name == "nocase"));
        assert_eq!(stmt("VACUUM"), Stmt::Vacuum);

        let pragma = |sql: &str| match stmt(sql) {
            Stmt::Pragma { name, value } => (name, value),
            other => panic!("{other:?}"),
        };
        let (n, v) = pragma("PRAGMA main.journal_mode = WAL");
        assert_eq!(
            (n.schema.as_deref(), n.name.as_str()),
            (Some("main"), "journal_mode")
        );
        assert!(matches!(v, Some(Expr::Column { name, .. }) if name == "WAL"));
        let (_, v) = pragma("PRAGMA foreign_keys = ON");
        assert!(matches!(v, Some(Expr::Column { name, .. }) if name == "ON"));
        let (_, v) = pragma("PRAGMA journal_mode = DELETE");
        assert!(matches!(v, Some(Expr::Column { name, .. }) if name == "DELETE"));
        let (_, v) = pragma("PRAGMA table_info('t')");
        assert_eq!(v, Some(Expr::Literal(Literal::Text("t".into()))));
        let (_, v) = pragma("PRAGMA table_info(t)");
        assert!(matches!(v, Some(Expr::Column { name, .. }) if name == "t"));
        let (_, v) = pragma("PRAGMA cache_size = -2000");
        assert!(matches!(
            v,
            Some(Expr::Unary {
                op: UnaryOp::Neg,
                ..
            })
        ));
        let (_, v) = pragma("PRAGMA cache_size = +5");
        assert_eq!(v, Some(Expr::Literal(Literal::Integer(5))));
        let (_, v) = pragma("PRAGMA synchronous");
        assert_eq!(v, None);
    }

    #[test]
    fn parameters() {
        let params = |sql: &str| -> Vec<(usize, Option<String>)> {
            let mut out = Vec::new();
            let c = core(sql);
            for col in &c.columns {
                if let ResultColumn::Expr {
                    expr: Expr::Param { index, name, .. },
                    ..
                } = col
                {
                    out.push((*index, name.clone()));
                }
            }
            out
        };
        let n = |s: &str| Some(String::from(s));
        assert_eq!(params("SELECT ?, ?, ?"), [(1, None), (2, None), (3, None)]);
        assert_eq!(
            params("SELECT ?5, ?, ?2, ?"),
            [(5, None), (6, None), (2, None), (7, None)]
        );
        assert_eq!(
            params("SELECT :a, @b, :a, ?, $c, ?1"),
            [
                (1, n(":a")),
                (2, n("@b")),
                (1, n(":a")),
                (3, None),
                (4, n("$c")),
                (1, None)
            ]
        );
        assert_eq!(params("SELECT ?3, :x"), [(3, None), (4, n(":x"))]);
        // Numbering restarts with each statement.
        let all = parse("SELECT ?, ?; SELECT ?").unwrap();
        let Stmt::Select(s) = &all[1].stmt else {
            panic!()
        };
        let SelectBody::Core(c) = &s.body else {
            panic!()
        };
        assert!(matches!(
            &c.columns[0],
            ResultColumn::Expr {
                expr: Expr::Param { index: 1, .. },
                ..
            }
        ));
        assert!(err("SELECT ?0").contains("between ?1 and ?32766"));
        assert!(err("SELECT ?32767").contains("between ?1 and ?32766"));
    }

    #[test]
    fn scripts_and_ranges() {
        let sql = "  ;; SELECT 1 ;\n-- c\nINSERT INTO t VALUES (';') ;;; /* end */ ";
        let all = parse(sql).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(&sql[all[0].start..all[0].end], "SELECT 1");
        assert_eq!(all[0].pos, Pos { line: 1, col: 6 });
        assert_eq!(&sql[all[1].start..all[1].end], "INSERT INTO t VALUES (';')");
        assert_eq!(all[1].pos, Pos { line: 3, col: 1 });
        assert!(parse("").unwrap().is_empty());
        assert!(parse(" -- nothing\n /* at all */ ;").unwrap().is_empty());

        let mut p = Parser::new("SELECT 1; -- trailing\n ;");
        assert!(p.next_statement().unwrap().is_some());
        assert!(p.at_end());
        assert!(p.next_statement().unwrap().is_none());
        let mut p = Parser::new("SELECT 1; SELECT 2");
        p.next_statement().unwrap();
        assert!(!p.at_end());
        let mut p = Parser::new("SELECT 1");
        p.next_statement().unwrap();
        assert!(p.at_end());
    }

    #[test]
    fn errors() {
        let e = err("SELECT * FORM t");
        assert!(e.contains("near \"FORM\"") && e.contains("1:10"), "{e}");
        let e = err("SELECT a,\n  b\n  FROM t WHERE AND");
        assert!(
            e.contains("near \"AND\"")
                && e.contains("3:16")
                && e.contains("expected an expression"),
            "{e}"
        );
        let e = err("SELECT (1");
        assert!(
            e.contains("incomplete input") && e.contains("1:10") && e.contains("\")\""),
            "{e}"
        );
        let e = err("SELECT 'abc");
        assert!(
            e.contains("unterminated string") && e.contains("1:8"),
            "{e}"
        );
        let e = err("SELEC 1");
        assert!(
            e.contains("near \"SELEC\"") && e.contains("1:1") && e.contains("a statement"),
            "{e}"
        );
        let e = err("SELECT 1 2");
        assert!(
            e.contains("near \"2\"") && e.contains("end of statement"),
            "{e}"
        );
        let e = err("CREATE TABLE t(a INT");
        assert!(e.contains("incomplete input"), "{e}");
        let e = err("SELECT # FROM t");
        assert!(
            e.contains("near \"#\"") && e.contains("unrecognized token"),
            "{e}"
        );
        let e = err("INSERT INTO t VALUES (1) ON CONFLICT DO SOMETHING");
        assert!(
            e.contains("near \"SOMETHING\"") && e.contains("NOTHING"),
            "{e}"
        );
        // A long token is cut in the message.
        let long = format!("SELECT '{}", "x".repeat(500));
        assert!(err(&long).len() < 200);
        // Errors in a later statement leave the earlier ones parsed.
        let mut p = Parser::new("SELECT 1; SELECT FROM");
        assert!(p.next_statement().unwrap().is_some());
        assert!(p.next_statement().is_err());
        assert!(
            parse_expr("1 + ")
                .unwrap_err()
                .message()
                .contains("incomplete input")
        );
        assert!(
            parse_expr("1 2")
                .unwrap_err()
                .message()
                .contains("end of expression")
        );
    }

    /// Statements nested far past the limit, one per way of nesting.
    fn too_deep_statements() -> Vec<String> {
        let n = 100_000;
        let deep = |open: &str, mid: &str, close: &str| {
            let mut s = String::from("SELECT ");
            s.push_str(&open.repeat(n));
            s.push_str(mid);
            s.push_str(&close.repeat(n));
            s
        };
        vec![
            deep("(", "1", ")"),
            deep("- ", "1", ""),
            deep("-(", "1", ")"),
            deep("NOT ", "1", ""),
            deep("~", "1", ""),
            deep("1 + ", "1", ""),
            deep("a AND ", "b", ""),
            deep("(SELECT ", "1", ")"),
            deep("f(", "1", ")"),
            deep("CASE WHEN ", "1 THEN 1", " END"),
            deep("EXISTS (SELECT ", "1", ")"),
            deep("1 IN (", "1", ")"),
            deep("a BETWEEN ", "1", " AND 1"),
            deep("", "1", " COLLATE x"),
            deep("", "1", " IS NULL"),
            deep("(1, ", "1", ")"),
            format!("SELECT * FROM {}t{}", "(".repeat(n), ")".repeat(n)),
            format!(
                "SELECT * FROM {}t{}",
                "(SELECT * FROM ".repeat(n),
                ")".repeat(n)
            ),
            format!("SELECT * FROM t{}", ", t".repeat(n)),
            format!(
                "{}SELECT 1{}",
                "WITH x AS (".repeat(n),
                ") SELECT 1".repeat(n)
            ),
            format!(
                "CREATE TABLE t(a CHECK ({}1{}))",
                "(".repeat(n),
                ")".repeat(n)
            ),
            format!(
                "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT {}1{}; END",
                "(".repeat(n),
                ")".repeat(n)
            ),
        ]
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for sql in too_deep_statements() {
            let e = err(&sql);
            assert!(e.contains("nested too deeply"), "{}: {e}", &sql[..40]);
        }
        let compound = format!("SELECT 1{}", " UNION SELECT 1".repeat(100_000));
        assert!(err(&compound).contains("too many terms"));
    }

    /// WebAssembly gets a 1 MiB stack by default: the depth limit must stop
    /// every kind of nesting before the parser uses that much (in this
    /// build's profile; optimized builds use less).
    #[cfg(feature = "std")]
    #[test]
    fn depth_limit_fits_a_one_mebibyte_stack() {
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| {
                for sql in too_deep_statements() {
                    assert!(parse(&sql).is_err());
                }
                // Just under the limit: parses, and the tree drops and
                // prints without running out of stack either.
                let sql = format!("SELECT {}1{}", "(".repeat(950), ")".repeat(950));
                let p = parse(&sql).unwrap();
                let _ = alloc::format!("{}", p[0].stmt);
                let sql = format!("SELECT {}1", "- ".repeat(950));
                let p = parse(&sql).unwrap();
                let _ = alloc::format!("{}", p[0].stmt);
            })
            .unwrap();
        handle.join().unwrap();
    }

    #[test]
    fn moderately_deep_nesting_parses() {
        // Within the limit, nesting must work (and fit in a test thread's
        // stack, which is smaller than the main thread's).
        let n = 300;
        let sql = format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n));
        parse(&sql).unwrap();
        let sql = format!("SELECT 1{}", " + 1".repeat(800));
        parse(&sql).unwrap();
        let sql = format!("SELECT {}1{}", "(SELECT ".repeat(80), ")".repeat(80));
        parse(&sql).unwrap();
        let sql = format!(
            "SELECT * FROM t WHERE {}",
            (0..400)
                .map(|i| format!("a = {i}"))
                .collect::<Vec<_>>()
                .join(" OR ")
        );
        parse(&sql).unwrap();
    }

    #[test]
    fn never_panics_on_prefixes() {
        // Every prefix of a large statement is either valid or an error.
        let sql = "WITH x(a) AS (SELECT 1) SELECT DISTINCT a.b AS c, count(*) FILTER (WHERE y) OVER (PARTITION BY z \
                   ORDER BY w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), CAST(x AS INT), CASE WHEN 1 THEN 2 END \
                   FROM t AS a LEFT JOIN u USING (id) WHERE a.b NOT BETWEEN 1 AND 2 AND c LIKE 'x' ESCAPE 'y' \
                   GROUP BY 1 HAVING 1 ORDER BY 1 DESC NULLS LAST LIMIT 1 OFFSET 2; \
                   CREATE TRIGGER tr AFTER UPDATE OF a ON t FOR EACH ROW WHEN 1 BEGIN SELECT RAISE(ABORT, 'x'); END; \
                   CREATE TABLE t(a INT PRIMARY KEY, b TEXT DEFAULT 'x' REFERENCES p(x) ON DELETE CASCADE, \
                   CHECK (a > 0)) STRICT; INSERT INTO t VALUES (1, x'00') ON CONFLICT (a) DO UPDATE SET b = 1";
        for (i, _) in sql.char_indices() {
            let _ = parse(&sql[..i]);
        }
        for junk in [
            "(((",
            ")))",
            "'",
            "\"",
            "[",
            "x'",
            "?",
            ":",
            "-",
            "/*",
            "--",
            "`",
            "CASE",
            "SELECT SELECT",
        ] {
            let _ = parse(junk);
        }
    }

    #[test]
    fn large_script_is_linear() {
        let mut sql = String::new();
        for i in 0..10_000 {
            sql.push_str(&format!(
                "INSERT INTO t1(a, b, c) VALUES({i}, 'text value {i}', {i}.5); -- row {i}\n"
            ));
        }
        let all = parse(&sql).unwrap();
        assert_eq!(all.len(), 10_000);
        assert_eq!(all[9_999].pos.line, 10_000);
        // Likewise one huge statement.
        let values: Vec<String> = (0..20_000).map(|i| format!("({i}, 'v')")).collect();
        let sql = format!("INSERT INTO t VALUES {}", values.join(",\n"));
        parse(&sql).unwrap();
    }

    /// Every `statement ok` and `query` of the sqllogictest corpus parses
    /// and round-trips through Display.
    #[cfg(feature = "std")]
    #[test]
    fn sqllogictest_corpus_parses() {
        use std::path::{Path, PathBuf};
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/slt"));
        if !root.is_dir() {
            std::println!(
                "note: no sqllogictest corpus at {}; skipping",
                root.display()
            );
            return;
        }
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "test") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(root, &mut files);
        files.sort();
        let mut failures = Vec::new();
        let mut checked = 0usize;
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let mut i = 0;
            let mut skip = false;
            while i < lines.len() {
                let line = lines[i].trim_end();
                i += 1;
                let mut words = line.split_whitespace();
                let (Some(first), second) = (words.next(), words.next()) else {
                    continue;
                };
                match first {
                    "skipif" => {
                        skip |= second == Some("sqlite");
                        continue;
                    }
                    "onlyif" => {
                        skip |= second != Some("sqlite");
                        continue;
                    }
                    "halt" => {
                        if skip {
                            skip = false;
                            continue;
                        }
                        break;
                    }
                    "statement" | "query" => {}
                    _ => continue,
                }
                let start_line = i + 1;
                let mut sql = String::new();
                while i < lines.len()
                    && !lines[i].trim().is_empty()
                    && lines[i].trim_end() != "----"
                {
                    sql.push_str(lines[i]);
                    sql.push('\n');
                    i += 1;
                }
                // Skip expected results.
                if i < lines.len() && lines[i].trim_end() == "----" {
                    while i < lines.len() && !lines[i].trim().is_empty() {
                        i += 1;
                    }
                }
                let wanted = first == "query" || second == Some("ok");
                if core::mem::take(&mut skip) || !wanted {
                    continue;
                }
                checked += 1;
                let at = format!("{}:{}", file.display(), start_line);
                match parse(&sql) {
                    Ok(stmts) if stmts.is_empty() => failures.push(format!("{at}: no statement")),
                    Ok(_) => {
                        if let Err(e) = crate::sql::display::tests::check_round_trip(&sql) {
                            failures.push(format!("{at}: round trip: {e}"));
                        }
                    }
                    Err(e) => failures.push(format!("{at}: {e}\n    {}", sql.trim())),
                }
            }
        }
        std::println!(
            "sqllogictest corpus: {checked} records in {} files",
            files.len()
        );
        assert!(
            failures.is_empty(),
            "{} of {checked} records failed:\n{}",
            failures.len(),
            failures
                .iter()
                .take(50)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    fn token_soup() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const WORDS: &[&str] = &[
            "SELECT",
            "FROM",
            "WHERE",
            "t",
            "u",
            "a",
            "b",
            "key",
            "1",
            "2.5",
            "'s'",
            "x'00'",
            "NULL",
            "?",
            ":p",
            "(",
            ")",
            ",",
            ";",
            ".",
            "*",
            "+",
            "-",
            "~",
            "=",
            "<>",
            "<",
            "||",
            "->",
            "AND",
            "OR",
            "NOT",
            "IS",
            "IN",
            "LIKE",
            "ESCAPE",
            "BETWEEN",
            "CASE",
            "WHEN",
            "THEN",
            "ELSE",
            "END",
            "CAST",
            "AS",
            "EXISTS",
            "COLLATE",
            "nocase",
            "ISNULL",
            "NOTNULL",
            "DISTINCT",
            "JOIN",
            "LEFT",
            "ON",
            "USING",
            "GROUP",
            "BY",
            "ORDER",
            "DESC",
            "NULLS",
            "FIRST",
            "LIMIT",
            "OFFSET",
            "UNION",
            "ALL",
            "VALUES",
            "WITH",
            "OVER",
            "FILTER",
            "PARTITION",
            "ROWS",
            "PRECEDING",
            "CURRENT",
            "ROW",
            "INSERT",
            "INTO",
            "DEFAULT",
            "UPDATE",
            "SET",
            "DELETE",
            "CREATE",
            "TABLE",
            "INDEX",
            "PRIMARY",
            "CHECK",
            "REFERENCES",
            "TRUE",
            "count",
            "f",
            "RAISE",
            "IGNORE",
            "INDEXED",
            "RETURNING",
            "DO",
            "NOTHING",
            "CONFLICT",
            "WINDOW",
            "w",
        ];
        proptest::collection::vec(proptest::sample::select(WORDS), 0..30).prop_map(|w| w.join(" "))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,60}") {
            let _ = parse(&s);
        }

        /// Random keyword soup: no panic, and the rare sequence that parses
        /// prints back to an equal tree.
        #[test]
        fn token_soup_round_trips(sql in token_soup()) {
            if parse(&sql).is_ok() {
                let r = crate::sql::display::tests::check_round_trip(&sql);
                proptest::prop_assert!(r.is_ok(), "{}: {:?}", sql, r);
            }
        }
    }
}
