//! The query string: option names, values and what each collection allows.

use pim_odata::{
    Capabilities, Expand, MAX_EXPAND_DEPTH, MAX_QUERY_LEN, OrderBy, QueryOptions, parse,
};

const CAPS: Capabilities<'static> = Capabilities {
    filterable: &["status", "principalId"],
    orderable: &["createdDateTime", "scheduleInfo/startDateTime", "status"],
    expandable: &["principal", "roleDefinition", "policy", "policy/rules"],
    selectable: &["id", "status", "principalId", "createdDateTime"],
    count: true,
    max_top: 999,
    default_page: 100,
};

fn ok(query: &str) -> QueryOptions {
    parse(query, &CAPS).unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn refused(query: &str) -> String {
    match parse(query, &CAPS) {
        Ok(opts) => panic!("{query} parsed as {opts:?}"),
        Err(e) => {
            assert_eq!(e.code, "BadRequest");
            assert_eq!(e.to_string(), format!("BadRequest: {}", e.message));
            e.message
        }
    }
}

#[test]
fn an_empty_query_asks_for_nothing() {
    assert_eq!(ok(""), QueryOptions::default());
    assert_eq!(ok("?"), QueryOptions::default());
}

#[test]
fn values_are_percent_decoded_with_plus_as_space() {
    let opts = ok("$filter=status%20eq%20%27Provisioned%27");
    assert_eq!(
        opts.filter.as_ref().map(|f| f.as_str()),
        Some("status eq 'Provisioned'")
    );
    let plus = ok("?$filter=status+eq+'a''b'");
    assert_eq!(
        plus.filter.as_ref().map(|f| f.as_str()),
        Some("status eq 'a''b'")
    );
}

#[test]
fn option_names_are_case_insensitive_and_the_dollar_optional() {
    assert_eq!(ok("$TOP=5").top, Some(5));
    assert_eq!(ok("top=5").top, Some(5));
    assert!(ok("Count=TRUE").count);
    assert_eq!(ok("$OrderBy=status").order_by.len(), 1);
}

#[test]
fn a_repeated_option_is_refused() {
    assert!(refused("$top=1&$top=2").contains("more than once"));
    assert!(refused("$top=1&top=2").contains("more than once"));
    assert!(refused("$filter=status eq 'a'&$FILTER=status eq 'b'").contains("more than once"));
}

#[test]
fn unsupported_and_unknown_options_are_refused() {
    for option in [
        "$search=x",
        "$format=json",
        "$apply=x",
        "$compute=x",
        "$levels=2",
        "$xyz=1",
        "search=x",
        "$deltatoken=x",
    ] {
        let message = refused(option);
        let name = option.split('=').next().unwrap_or_default();
        assert!(
            message.contains(&format!("'{name}'")),
            "{option}: {message}"
        );
    }
}

#[test]
fn other_parameters_are_left_to_the_caller() {
    let opts = ok("on=principal&$top=2&api-version=1&flag");
    assert_eq!(
        opts.other,
        vec![
            ("on".to_owned(), "principal".to_owned()),
            ("api-version".to_owned(), "1".to_owned()),
            ("flag".to_owned(), String::new()),
        ]
    );
}

#[test]
fn top_is_one_to_max_top() {
    assert_eq!(ok("$top=1").top, Some(1));
    assert_eq!(ok("$top=999").top, Some(999));
    assert!(refused("$top=0").contains("1 to 999"));
    assert!(refused("$top=1000").contains("1 to 999"));
    assert!(refused("$top=-1").contains("'-1'"));
    assert!(refused("$top=ten").contains("'ten'"));
    assert!(refused("$top=").contains("$top"));
}

#[test]
fn skip_is_a_non_negative_integer() {
    assert_eq!(ok("$skip=0").skip, 0);
    assert_eq!(ok("$skip=25").skip, 25);
    assert!(refused("$skip=-1").contains("non-negative"));
    assert!(refused("$skip=x").contains("non-negative"));
}

#[test]
fn count_is_true_or_false_where_supported() {
    assert!(ok("$count=true").count);
    assert!(!ok("$count=false").count);
    assert!(refused("$count=yes").contains("true or false"));
    let uncountable = Capabilities {
        count: false,
        ..CAPS
    };
    let message = parse("$count=true", &uncountable)
        .map(|_| ())
        .err()
        .map(|e| e.message);
    assert!(message.is_some_and(|m| m.contains("'$count' is not supported")));
    assert!(parse("$count=false", &uncountable).is_ok());
}

#[test]
fn select_takes_listed_names_in_their_spelling() {
    assert_eq!(
        ok("$select=status,PRINCIPALID, status").select,
        Some(vec!["status".to_owned(), "principalId".to_owned()])
    );
    assert_eq!(ok("$select=*").select, None);
    assert!(refused("$select=secret").contains("Could not find a property named 'secret'"));
    assert!(refused("$select=scheduleInfo/startDateTime").contains("property names"));
    assert!(refused("$select=").contains("property names"));
    assert!(refused("$select=id,,status").contains("property names"));
    let open = Capabilities {
        selectable: &[],
        ..CAPS
    };
    assert_eq!(
        parse("$select=anything", &open).map(|o| o.select),
        Ok(Some(vec!["anything".to_owned()]))
    );
}

#[test]
fn orderby_takes_several_keys_with_directions() {
    let opts = ok("$orderby=createdDateTime desc,STATUS, scheduleInfo/startDateTime asc");
    let keys = |path: &str, descending| OrderBy {
        path: path.to_owned(),
        descending,
    };
    assert_eq!(
        opts.order_by,
        vec![
            keys("createdDateTime", true),
            keys("status", false),
            keys("scheduleInfo/startDateTime", false)
        ]
    );
    assert!(refused("$orderby=principalId").contains("'principalId' is not supported in $orderby"));
    assert!(refused("$orderby=status sideways").contains("asc|desc"));
    assert!(refused("$orderby=status,").contains("asc|desc"));
}

#[test]
fn expand_takes_listed_navigation_properties_with_nested_options() {
    let opts = ok("$expand=principal,roleDefinition");
    let names: Vec<&str> = opts.expand.iter().map(|e| e.property.as_str()).collect();
    assert_eq!(names, ["principal", "roleDefinition"]);
    let nested = ok("$expand=Policy($expand=rules($select=id,target);$select=id)");
    let rules = Expand {
        property: "rules".to_owned(),
        options: QueryOptions {
            select: Some(vec!["id".to_owned(), "target".to_owned()]),
            ..QueryOptions::default()
        },
    };
    let policy = Expand {
        property: "policy".to_owned(),
        options: QueryOptions {
            select: Some(vec!["id".to_owned()]),
            expand: vec![rules],
            ..QueryOptions::default()
        },
    };
    assert_eq!(nested.expand, vec![policy]);
}

#[test]
fn expand_refuses_what_the_collection_does_not_list() {
    assert!(refused("$expand=members").contains("'members' cannot be expanded"));
    assert!(refused("$expand=rules").contains("'rules' cannot be expanded"));
    assert!(refused("$expand=principal($expand=manager)").contains("'principal/manager'"));
    assert!(refused("$expand=principal,principal").contains("more than once"));
    assert!(
        refused("$expand=principal($filter=id eq 'x')").contains("not supported inside $expand")
    );
    assert!(refused("$expand=policy($expand=rules;$expand=rules)").contains("more than once"));
    assert!(refused("$expand=principal(").contains("principal("));
    assert!(refused("$expand=policy($expand=rules))").contains("unbalanced"));
    assert!(refused("$expand=").contains("Invalid $expand item"));
}

#[test]
fn expand_nesting_stops_at_the_limit() {
    let paths: Vec<String> = (1..=MAX_EXPAND_DEPTH + 1)
        .map(|n| vec!["a"; n].join("/"))
        .collect();
    let listed: Vec<&str> = paths.iter().map(String::as_str).collect();
    let caps = Capabilities {
        expandable: &listed,
        ..CAPS
    };
    let nested = |levels: usize| {
        let mut text = "a".to_owned();
        for _ in 1..levels {
            text = format!("a($expand={text})");
        }
        format!("$expand={text}")
    };
    assert!(parse(&nested(MAX_EXPAND_DEPTH), &caps).is_ok());
    let refused = parse(&nested(MAX_EXPAND_DEPTH + 1), &caps)
        .err()
        .map(|e| e.message);
    assert!(refused.is_some_and(|m| m.contains("deeper than")));
}

#[test]
fn a_long_query_is_refused() {
    let long = format!("on={}", "a".repeat(MAX_QUERY_LEN));
    assert!(refused(&long).contains("at most"));
}

#[test]
fn a_bad_skiptoken_is_refused() {
    for token in [
        "",
        "zz",
        "1.2",
        "1.zzzzzzzzzzzzzzzz",
        "1.0000000000000000",
        ".0000000000000000",
    ] {
        assert!(
            refused(&format!("$skiptoken={token}")).contains("$skiptoken"),
            "{token}"
        );
    }
}
