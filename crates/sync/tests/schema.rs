//! Schema set-up planning: what a set of mappings needs, against what exists.

use std::collections::BTreeMap;

use serde_json::json;
use tributary_mapping::Document;
use tributary_models::assets::ObjectTypeAttribute;
use tributary_sync::schema::{plan_schema, ExistingType, NamedMapping, SchemaPlan};

const USERS: &str = "key:_id=JumpCloud ID
map:displayname=Name|default=${firstname} ${lastname}
map:email=Email|trim|lower
map:jobTitle=Job Title
map:manager=Manager|byKey
map:email=Jira User|attributeType=user
map:memberof=Groups|JumpCloud ID=${memberof}
map:activated=Activated
map:badLoginAttempts=Bad Logins
map:employeeIdentifier=Employee No|number
map:attributes[name=startDate].value=Start Date|parseDate=%d/%m/%Y
config:objectSchema=People
config:objectType=User
";

const GROUPS: &str = "key:id=JumpCloud ID
map:name=Name
config:api=usergroups
config:objectSchema=People
config:objectType=Group
";

const DEVICES: &str = "key:_id=JumpCloud ID
map:hostname=Hostname
map:lastContact=Last Contact
map:primarySystemUser.id=Owner|JumpCloud ID=${primarySystemUser.id}|objectType=User
config:api=systems
config:objectSchema=People
config:objectType=Device
";

fn plan_for(texts: &[(&str, &str)], existing: BTreeMap<String, Vec<ExistingType>>) -> SchemaPlan {
    let docs: Vec<(&str, Document)> = texts
        .iter()
        .map(|(name, text)| {
            let doc = Document::parse(text);
            assert!(!doc.has_errors(), "{name}: {:?}", doc.diagnostics);
            (*name, doc)
        })
        .collect();
    let named: Vec<NamedMapping<'_>> = docs
        .iter()
        .map(|(name, doc)| NamedMapping {
            name,
            mapping: &doc.mapping,
        })
        .collect();
    plan_schema(&named, &existing)
}

fn empty_people() -> BTreeMap<String, Vec<ExistingType>> {
    BTreeMap::from([("People".to_string(), Vec::new())])
}

fn attribute(id: &str, name: &str, extra: serde_json::Value) -> ObjectTypeAttribute {
    let mut value =
        json!({"id": id, "name": name, "type": 0, "defaultType": {"id": 0, "name": "Text"}});
    for (k, v) in extra.as_object().unwrap() {
        value[k] = v.clone();
    }
    serde_json::from_value(value).unwrap()
}

fn created(plan: &SchemaPlan) -> Vec<String> {
    plan.creates
        .iter()
        .map(|c| match &c.attribute {
            Some(a) => format!("{}.{a}: {}", c.object_type, c.description),
            None => format!("{}: {}", c.object_type, c.description),
        })
        .collect()
}

#[test]
fn an_empty_schema_gets_every_type_and_attribute_the_mappings_need() {
    let plan = plan_for(
        &[
            ("users.map", USERS),
            ("groups.map", GROUPS),
            ("devices.map", DEVICES),
        ],
        empty_people(),
    );
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.present, 0);
    assert_eq!(
        created(&plan),
        [
            "Device: object type",
            "Group: object type",
            "User: object type",
            "Device.JumpCloud ID: Text (unique)",
            "Device.Hostname: Text",
            "Device.Last Contact: DateTime",
            "Device.Owner: reference to User",
            "Group.JumpCloud ID: Text (unique)",
            "User.JumpCloud ID: Text (unique)",
            "User.Activated: Boolean",
            "User.Bad Logins: Integer",
            "User.Email: Email",
            "User.Employee No: Double",
            "User.Groups: reference to Group (several)",
            "User.Jira User: Jira user",
            "User.Job Title: Text",
            "User.Manager: reference to User",
            "User.Start Date: Date",
        ]
    );
    // Name is made by Assets with every type; it is never created.
    assert!(plan
        .creates
        .iter()
        .all(|c| c.attribute.as_deref() != Some("Name")));
    let groups = plan
        .creates
        .iter()
        .find(|c| c.attribute.as_deref() == Some("Groups"))
        .unwrap();
    assert_eq!(groups.mappings, ["users.map"]);
}

fn existing_user_type(extra: Vec<ObjectTypeAttribute>) -> BTreeMap<String, Vec<ExistingType>> {
    let mut attributes = vec![
        attribute("1", "Key", json!({"system": true, "editable": false})),
        attribute("2", "Name", json!({"label": true})),
        attribute("3", "JumpCloud ID", json!({"uniqueAttribute": true})),
    ];
    attributes.extend(extra);
    BTreeMap::from([(
        "People".to_string(),
        vec![ExistingType {
            id: "10".into(),
            name: "User".into(),
            attributes,
        }],
    )])
}

#[test]
fn what_exists_and_fits_is_not_created_again() {
    let text = "key:_id=JumpCloud ID\nmap:displayname=Name\nmap:manager=Manager|byKey\nmap:jobTitle=Job Title\nconfig:objectSchema=People\nconfig:objectType=User\n";
    let existing = existing_user_type(vec![
        attribute(
            "4",
            "Manager",
            json!({"type": 1, "defaultType": null, "referenceObjectTypeId": "10"}),
        ),
        attribute("5", "job title", json!({})),
    ]);
    let plan = plan_for(&[("users.map", text)], existing);
    assert!(plan.creates.is_empty(), "{:?}", created(&plan));
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    // The type, its key, Manager and Job Title.
    assert_eq!(plan.present, 4);
}

#[test]
fn an_existing_attribute_of_another_type_is_reported_and_left_alone() {
    let text = "key:_id=JumpCloud ID\nmap:manager=Manager|byKey\nmap:activated=Active\nmap:jobTitle=Job Title\nconfig:objectSchema=People\nconfig:objectType=User\n";
    let existing = existing_user_type(vec![
        attribute("4", "Manager", json!({})),
        attribute(
            "5",
            "Active",
            json!({"defaultType": {"id": 6, "name": "DateTime"}}),
        ),
    ]);
    let plan = plan_for(&[("users.map", text)], existing);
    assert_eq!(created(&plan), ["User.Job Title: Text"]);
    let problems: Vec<(&str, &str)> = plan
        .problems
        .iter()
        .map(|p| (p.attribute.as_deref().unwrap(), p.message.as_str()))
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].0, "Active");
    assert!(
        problems[0].1.contains("exists as DateTime") && problems[0].1.contains("Boolean"),
        "{}",
        problems[0].1
    );
    assert_eq!(problems[1].0, "Manager");
    assert!(
        problems[1].1.contains("exists as Text") && problems[1].1.contains("left as it is"),
        "{}",
        problems[1].1
    );
}

#[test]
fn text_attributes_hold_any_value_so_they_never_conflict() {
    let text = "key:_id=JumpCloud ID\nmap:activated=Active\nconfig:objectSchema=People\nconfig:objectType=User\n";
    let plan = plan_for(
        &[("users.map", text)],
        existing_user_type(vec![attribute("5", "Active", json!({}))]),
    );
    assert!(
        plan.problems.is_empty() && plan.creates.is_empty(),
        "{plan:?}"
    );
}

#[test]
fn a_single_valued_reference_for_several_values_is_reported() {
    let existing = BTreeMap::from([(
        "People".to_string(),
        vec![
            ExistingType {
                id: "10".into(),
                name: "User".into(),
                attributes: vec![
                    attribute("3", "JumpCloud ID", json!({"uniqueAttribute": true})),
                    attribute(
                        "4",
                        "Groups",
                        json!({"type": 1, "defaultType": null, "referenceObjectTypeId": "11"}),
                    ),
                ],
            },
            ExistingType {
                id: "11".into(),
                name: "Group".into(),
                attributes: vec![],
            },
        ],
    )]);
    let text = "key:_id=JumpCloud ID\nmap:memberof=Groups|JumpCloud ID=${memberof}\nconfig:objectSchema=People\nconfig:objectType=User\n";
    let plan = plan_for(&[("users.map", text)], existing);
    assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
    assert!(
        plan.problems[0].message.contains("holds one value"),
        "{}",
        plan.problems[0].message
    );
}

#[test]
fn a_reference_whose_type_cannot_be_told_asks_for_object_type() {
    let text = "key:_id=JumpCloud ID\nmap:primarySystemUser.id=Owner|JumpCloud ID=${primarySystemUser.id}\nconfig:api=systems\nconfig:objectSchema=People\nconfig:objectType=Device\n";
    let plan = plan_for(&[("devices.map", text)], empty_people());
    assert_eq!(plan.problems.len(), 1);
    assert_eq!(plan.problems[0].attribute.as_deref(), Some("Owner"));
    assert!(
        plan.problems[0].message.contains("|objectType="),
        "{}",
        plan.problems[0].message
    );
    assert_eq!(
        created(&plan),
        ["Device: object type", "Device.JumpCloud ID: Text (unique)"]
    );
}

#[test]
fn a_named_reference_type_that_nobody_makes_must_exist() {
    let plan = plan_for(&[("devices.map", DEVICES)], empty_people());
    assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
    assert!(
        plan.problems[0].message.contains("\"User\""),
        "{}",
        plan.problems[0].message
    );
    // With the type in the schema, the reference is made.
    let existing = existing_user_type(vec![]);
    let plan = plan_for(&[("devices.map", DEVICES)], existing);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert!(created(&plan).contains(&"Device.Owner: reference to User".to_string()));
}

#[test]
fn a_missing_schema_and_a_missing_target_are_reported() {
    let plan = plan_for(
        &[(
            "users.map",
            "key:_id=JumpCloud ID\nconfig:objectSchema=Nowhere\nconfig:objectType=User\n",
        )],
        empty_people(),
    );
    assert!(plan.creates.is_empty());
    assert!(
        plan.problems[0]
            .message
            .contains("there is no object schema \"Nowhere\""),
        "{:?}",
        plan.problems
    );
    let plan = plan_for(
        &[(
            "users.map",
            "key:_id=JumpCloud ID\nconfig:objectType=User\n",
        )],
        empty_people(),
    );
    assert!(
        plan.problems[0].message.contains("config:objectSchema"),
        "{:?}",
        plan.problems
    );
}

#[test]
fn two_mappings_that_disagree_on_an_attribute_are_reported() {
    let a = "key:_id=JumpCloud ID\nmap:activated=Active\nconfig:objectSchema=People\nconfig:objectType=User\n";
    let b = "key:_id=JumpCloud ID\nmap:created=Active\nconfig:objectSchema=People\nconfig:objectType=User\n";
    let plan = plan_for(&[("a.map", a), ("b.map", b)], empty_people());
    assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
    assert_eq!(plan.problems[0].mappings, ["a.map", "b.map"]);
    // The key both share is made once.
    assert_eq!(
        created(&plan),
        ["User: object type", "User.JumpCloud ID: Text (unique)"]
    );
}

#[test]
fn the_options_round_trip_through_the_formatter() {
    let text = "key:_id=JumpCloud ID\nmap:email=Jira User|attributeType=user\nmap:primarySystemUser.id=Owner|JumpCloud ID=${primarySystemUser.id}|objectType=Staff Member\n";
    let formatted = tributary_mapping::format(text);
    assert_eq!(formatted, text);
    let doc = Document::parse("key:_id=id\nmap:email=Jira User|attributeType=usr\n");
    let d = doc
        .diagnostics
        .iter()
        .find(|d| d.message.contains("attribute type"))
        .unwrap();
    assert!(
        d.message.contains("unknown attribute type 'usr'"),
        "{}",
        d.message
    );
    // A lookup on an attribute that happens to be called objectType still reads a value.
    let doc = Document::parse("key:_id=id\nmap:x=Ref|objectType=${x}\n");
    assert!(!doc.has_errors(), "{:?}", doc.diagnostics);
    assert!(doc.mapping.rows[0].lookup.is_some());
}

#[test]
fn a_copy_row_gets_the_type_of_the_attribute_it_copies() {
    let text = "key:_id=JumpCloud ID\nmap:email=Jira User|attributeType=user\nmap:manager=Manager Jira User|byKey|copy=Jira User\nmap:manager=Manager Email|byKey|copy=Email\nconfig:objectSchema=People\nconfig:objectType=User\n";
    let plan = plan_for(&[("users.map", text)], empty_people());
    assert_eq!(
        created(&plan),
        [
            "User: object type",
            "User.JumpCloud ID: Text (unique)",
            "User.Jira User: Jira user",
            "User.Manager Jira User: Jira user",
        ]
    );
    assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
    assert!(plan.problems[0]
        .message
        .contains("Manager Email copies Email, which this mapping does not write"));
    let doc = Document::parse("key:_id=id\nmap:manager=Boss|copy=Jira User\n");
    assert!(doc
        .diagnostics
        .iter()
        .any(|d| d.message.contains("`copy` goes with `|byKey`")));
}

#[test]
fn a_create_missing_row_makes_the_referenced_type_it_names_objects_in() {
    let text = format!(
        "{GROUPS}map:description=Department|Name=${{description}}|createMissing\nmap:name=Site|Code=${{name}}|createMissing|objectType=Location\n"
    );
    let plan = plan_for(&[("groups.map", &text)], empty_people());
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let made = created(&plan);
    for wanted in [
        "Department: object type",
        "Location: object type",
        "Location.Code: Text",
        "Group.Department: reference to Department",
        "Group.Site: reference to Location",
    ] {
        assert!(made.contains(&wanted.to_string()), "{wanted}: {made:?}");
    }
    assert!(
        !made.iter().any(|c| c.starts_with("Department.")),
        "Department is looked up by its Name, which every type has: {made:?}"
    );
    // Without createMissing a type nobody makes must exist, as before.
    let plain = format!("{GROUPS}map:description=Department|Name=${{description}}\n");
    let plan = plan_for(&[("groups.map", &plain)], empty_people());
    assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
}
