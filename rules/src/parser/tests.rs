//! Parser tests: syntax, precedence, errors, and property tests.

use proptest::prelude::*;

use super::*;

fn p(src: &str) -> Expr {
    parse(src).unwrap_or_else(|e| panic!("{src:?}: {e} at {}", e.offset)).without_positions()
}

fn err(src: &str) -> (usize, String) {
    let e = parse(src).expect_err(src);
    (e.offset, e.to_string())
}

fn check(field: &str, op: Op, operand: Operand) -> Expr {
    Expr::Check(Check { field: FieldName { name: field.into(), arg: None, pos: 0 }, op, operand })
}

fn bare(s: &str) -> Atom {
    Atom { text: s.into(), quoted: false, pos: 0 }
}

fn m(name: &str) -> Expr {
    Expr::Macro { name: name.into(), pos: 0 }
}

#[test]
fn not_binds_tighter_than_and_tighter_than_or() {
    assert_eq!(p("a or b and not c"), Expr::Or(vec![m("a"), Expr::And(vec![m("b"), Expr::Not(Box::new(m("c")))])]));
    assert_eq!(p("not a and b"), Expr::And(vec![Expr::Not(Box::new(m("a"))), m("b")]));
    assert_eq!(
        p("a and b or c and d"),
        Expr::Or(vec![Expr::And(vec![m("a"), m("b")]), Expr::And(vec![m("c"), m("d")])])
    );
}

#[test]
fn parentheses_override_precedence() {
    assert_eq!(p("(a or b) and c"), Expr::And(vec![Expr::Or(vec![m("a"), m("b")]), m("c")]));
    assert_eq!(p("not (a or b)"), Expr::Not(Box::new(Expr::Or(vec![m("a"), m("b")]))));
    assert_eq!(p("((a))"), m("a"));
    // A parenthesised chain stays a child node.
    assert_eq!(p("a and (b and c)"), Expr::And(vec![m("a"), Expr::And(vec![m("b"), m("c")])]));
}

#[test]
fn chains_are_flat() {
    assert_eq!(p("a or b or c"), Expr::Or(vec![m("a"), m("b"), m("c")]));
}

#[test]
fn comparisons_and_values() {
    assert_eq!(p("fd.num>=0"), check("fd.num", Op::Ge, Operand::Value(bare("0"))));
    assert_eq!(p("evt.dir=<"), check("evt.dir", Op::Eq, Operand::Value(bare("<"))));
    assert_eq!(p("evt.dir == >"), check("evt.dir", Op::Eq, Operand::Value(bare(">"))));
    assert_eq!(p("evt.rawres != -1"), check("evt.rawres", Op::Ne, Operand::Value(bare("-1"))));
    assert_eq!(p("fd.typechar='f'"), check("fd.typechar", Op::Eq, Operand::Value(Atom { quoted: true, ..bare("f") })));
    assert_eq!(
        p(r#"proc.cmdline contains "a \"b\"""#),
        check("proc.cmdline", Op::Contains, Operand::Value(Atom { quoted: true, ..bare("a \"b\"") }))
    );
    assert_eq!(p("fd.name exists"), check("fd.name", Op::Exists, Operand::None));
    assert_eq!(p("proc.name startswith and"), check("proc.name", Op::StartsWith, Operand::Value(bare("and"))));
}

#[test]
fn field_arguments() {
    let Expr::Check(c) = p("proc.aname[2] = sh") else { panic!() };
    assert_eq!((c.field.name.as_str(), c.field.arg.as_deref()), ("proc.aname", Some("2")));
    let Expr::Check(c) = p("k8s.pod.label[app.kubernetes.io/name] = x") else { panic!() };
    assert_eq!(c.field.arg.as_deref(), Some("app.kubernetes.io/name"));
    let Expr::Check(c) = p("evt.arg.flags contains O_CREAT") else { panic!() };
    assert_eq!(c.field.name, "evt.arg.flags");
}

#[test]
fn lists_nested_lists_and_list_names() {
    let list = |v: &[&str]| Operand::List(v.iter().map(|s| bare(s)).collect());
    assert_eq!(p("evt.type in (execve, execveat)"), check("evt.type", Op::In, list(&["execve", "execveat"])));
    assert_eq!(p("proc.name in ()"), check("proc.name", Op::In, list(&[])));
    assert_eq!(
        p("fd.name pmatch (/etc, (/usr, /bin), ())"),
        check("fd.name", Op::Pmatch, list(&["/etc", "/usr", "/bin"]))
    );
    assert_eq!(p("proc.name in shell_binaries"), check("proc.name", Op::In, Operand::ListRef(bare("shell_binaries"))));
    assert_eq!(
        p("proc.name intersects ('a b', c)"),
        check("proc.name", Op::Intersects, Operand::List(vec![Atom { quoted: true, ..bare("a b") }, bare("c")]))
    );
}

#[test]
fn errors_name_the_token_and_offset() {
    assert_eq!(err("proc.name = "), (12, "unexpected end of condition, expected a value".into()));
    assert_eq!(err("a and"), (5, "unexpected end of condition, expected a field, a macro, 'not' or '('".into()));
    assert_eq!(err("(a or b"), (7, "unexpected end of condition, expected 'and', 'or' or ')'".into()));
    assert_eq!(err("a b"), (2, r#"unexpected token "b", expected 'and', 'or' or the end of the condition"#.into()));
    assert_eq!(err("a )"), (2, r#"unexpected token ")", expected 'and', 'or' or the end of the condition"#.into()));
    assert_eq!(err("proc.name iglob x"), (10, r#"expected an operator after proc.name, found "iglob""#.into()));
    assert_eq!(err("proc.name"), (9, "expected an operator after proc.name, found the end of the condition".into()));
    assert_eq!(err("proc.name = 'abc"), (12, "unterminated string".into()));
    assert_eq!(err("evt.type in (a, b"), (17, "unexpected end of condition, expected ',' or ')'".into()));
    assert_eq!(err("evt.type in (a b)"), (15, r#"unexpected token "b", expected ',' or ')'"#.into()));
    assert_eq!(err("evt.type in 'x'"), (12, r#"unexpected token "\"x\"", expected '(' or a list name"#.into()));
    assert_eq!(err("and"), (0, r#"unexpected token "and", expected a field, a macro, 'not' or '('"#.into()));
    assert_eq!(err(""), (0, "unexpected end of condition, expected a field, a macro, 'not' or '('".into()));
    assert_eq!(err("proc.aname[2 = x"), (10, "unterminated [ in field name".into()));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(matches!(parse(&deep).unwrap_err().kind, ParseErrorKind::TooDeep(_)));
    let nots = format!("{}a", "not ".repeat(10_000));
    assert!(matches!(parse(&nots).unwrap_err().kind, ParseErrorKind::TooDeep(_)));
    let lists = format!("a in {}x{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(matches!(parse(&lists).unwrap_err().kind, ParseErrorKind::TooDeep(_)));
    // Long flat chains are fine.
    let chain = vec!["a"; 50_000].join(" and ");
    assert!(parse(&chain).is_ok());
}

#[test]
fn display_round_trips_tricky_trees() {
    for src in [
        "a and (b and c)",
        "(a or b) or c",
        "not (a and b) or not not c",
        r#"proc.name = "x y" and fd.name in ("a,b", c) or proc.cmdline contains "q\"\\\n""#,
        "proc.aname[2] = sh and fd.name exists",
    ] {
        let tree = p(src);
        let printed = tree.to_string();
        assert_eq!(p(&printed), tree, "{src} printed as {printed}");
    }
}

// ---- property tests ----

fn name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}".prop_filter("keyword", |s| !matches!(s.as_str(), "and" | "or" | "not"))
}

fn field() -> impl Strategy<Value = FieldName> {
    (name(), name(), proptest::option::of("[a-z0-9_./]{1,6}")).prop_map(|(a, b, arg)| FieldName {
        name: format!("{a}.{b}"),
        arg,
        pos: 0,
    })
}

fn atom() -> impl Strategy<Value = Atom> {
    prop_oneof![
        "[a-zA-Z0-9_/<>=!.:*-]{1,8}"
            .prop_filter("starts with a quote", |s| !s.starts_with(['"', '\'']))
            .prop_map(|text| Atom { text, quoted: false, pos: 0 }),
        any::<String>().prop_map(|text| Atom { text, quoted: true, pos: 0 }),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    let scalar_ops = prop_oneof![
        Just(Op::Eq),
        Just(Op::Ne),
        Just(Op::Lt),
        Just(Op::Le),
        Just(Op::Gt),
        Just(Op::Ge),
        Just(Op::StartsWith),
        Just(Op::EndsWith),
        Just(Op::Contains),
        Just(Op::IContains),
        Just(Op::Glob),
        Just(Op::Regex),
    ];
    let list_ops = prop_oneof![Just(Op::In), Just(Op::Intersects), Just(Op::Pmatch)];
    prop_oneof![
        name().prop_map(|name| Expr::Macro { name, pos: 0 }),
        field().prop_map(|field| Expr::Check(Check { field, op: Op::Exists, operand: Operand::None })),
        (field(), scalar_ops, atom()).prop_map(|(field, op, a)| Expr::Check(Check {
            field,
            op,
            operand: Operand::Value(a)
        })),
        (field(), list_ops.clone(), proptest::collection::vec(atom(), 0..4))
            .prop_map(|(field, op, v)| Expr::Check(Check { field, op, operand: Operand::List(v) })),
        (field(), list_ops, name()).prop_map(|(field, op, n)| Expr::Check(Check {
            field,
            op,
            operand: Operand::ListRef(Atom { text: n, quoted: false, pos: 0 })
        })),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            proptest::collection::vec(inner, 2..4).prop_map(Expr::Or),
        ]
    })
}

const VALID: &[&str] = &[
    "evt.type in (execve, execveat) and evt.dir=< and proc.name in (bash, sh)",
    "open_write and fd.typechar='f' and fd.num>=0 and not fd.name pmatch (/tmp, /var/tmp)",
    "(proc.aname[2] = sshd or proc.pname icontains \"SSH\") and not user.uid != 0",
    "k8s.pod.label[app] glob 'web-*' or fd.name regex '^/etc/.*\\.conf$' and fd.name exists",
];

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(s in any::<String>()) {
        let _ = parse(&s);
        crate::fuzz_condition(&s);
    }

    #[test]
    fn never_panics_on_condition_like_text(s in "[a-z.()\\[\\]=<>!,'\" \\\\0-9]{0,60}") {
        let _ = parse(&s);
        crate::fuzz_condition(&s);
    }

    #[test]
    fn never_panics_on_mutated_conditions(
        which in 0..VALID.len(),
        cut in any::<prop::sample::Index>(),
        insert in any::<prop::sample::Index>(),
        junk in "[()\\[\\],'\"=<>! a-z]{0,3}",
    ) {
        let src = VALID[which];
        let boundaries: Vec<usize> = (0..=src.len()).filter(|i| src.is_char_boundary(*i)).collect();
        let (a, b) = (boundaries[cut.index(boundaries.len())], boundaries[insert.index(boundaries.len())]);
        let (lo, hi) = (a.min(b), a.max(b));
        let mutated = format!("{}{}{}", &src[..lo], junk, &src[hi..]);
        let _ = parse(&mutated);
        crate::fuzz_condition(&mutated);
    }

    #[test]
    fn print_then_parse_is_identity(tree in expr()) {
        let printed = tree.to_string();
        let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        prop_assert_eq!(reparsed.without_positions(), tree, "printed as {}", printed);
    }
}
