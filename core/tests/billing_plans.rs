//! Plans in the engine (`create_plan`, `reprice_plan`, `archive_plan`, `get_plan`): what they
//! store, the events they emit, and prices changed by racing staff.

mod common;

use std::thread;

use common::*;
use ordercore::command::{Command, CommandOutput, Query, QueryOutput};

fn team() -> Command {
    serde_json::from_value(serde_json::json!({"command": "create_plan", "plan": {
        "id": "team", "name": "Team", "currency": "USD", "amount": "12.00",
        "interval": {"unit": "month", "count": 1}, "pricing": "per_seat"
    }}))
    .unwrap()
}

fn reprice(amount: &str) -> Command {
    Command::RepricePlan {
        plan_id: "team".into(),
        amount: d(amount),
    }
}

#[test]
fn each_plan_change_is_an_event_of_the_plans_stream_and_a_repeated_archive_is_none() {
    let shop = shop();
    shop.engine.execute(&admin(), &team(), None).unwrap();
    shop.engine
        .execute(&admin(), &reprice("15.00"), None)
        .unwrap();
    let archive = Command::ArchivePlan {
        plan_id: "team".into(),
    };
    shop.engine.execute(&admin(), &archive, None).unwrap();
    shop.engine.execute(&admin(), &archive, None).unwrap();
    let events: Vec<_> = (shop.store.all_events().into_iter())
        .filter(|event| event.aggregate == "plan/team")
        .collect();
    let names: Vec<(&str, u64)> = (events.iter())
        .map(|event| (event.payload.name(), event.sequence))
        .collect();
    assert_eq!(
        names,
        [
            ("plan_created", 1),
            ("plan_repriced", 2),
            ("plan_archived", 3)
        ]
    );
    let repriced = serde_json::to_value(&events[1]).unwrap();
    assert_eq!(
        (&repriced["version"], &repriced["amount"]),
        (&serde_json::json!(2), &serde_json::json!("15.00"))
    );
}

#[test]
fn prices_changed_at_once_by_many_staff_each_become_one_version() {
    let shop = shop();
    shop.engine.execute(&admin(), &team(), None).unwrap();
    let prices = ["13.00", "14.00", "15.00", "16.00", "17.00", "18.00"];
    thread::scope(|scope| {
        for price in prices {
            let engine = &shop.engine;
            // A host retries a command that lost every race (`version_conflict`).
            scope.spawn(move || {
                while let Err(error) = engine.execute(&admin(), &reprice(price), None) {
                    assert_eq!(error.code(), "version_conflict");
                }
            });
        }
    });
    let query = Query::GetPlan {
        plan_id: "team".into(),
    };
    let Ok(QueryOutput::Plan(plan)) = shop.engine.query(&customer("c1"), &query) else {
        panic!("get_plan answers the plan");
    };
    let versions: Vec<u32> = plan.versions().map(|version| version.version).collect();
    assert_eq!(
        versions,
        [1, 2, 3, 4, 5, 6, 7],
        "no version lost or repeated"
    );
    let mut amounts: Vec<String> = (plan.earlier.iter().skip(1))
        .chain(std::iter::once(&plan.latest))
        .map(|version| version.amount.to_string())
        .collect();
    amounts.sort();
    assert_eq!(amounts, prices, "every price became exactly one version");
}

#[test]
fn the_answer_is_the_stored_plan() {
    let shop = shop();
    let Ok(CommandOutput::Plan(created)) = shop.engine.execute(&admin(), &team(), None) else {
        panic!("create_plan answers the plan");
    };
    let query = Query::GetPlan {
        plan_id: "team".into(),
    };
    let Ok(QueryOutput::Plan(stored)) = shop.engine.query(&admin(), &query) else {
        panic!("get_plan answers the plan");
    };
    assert_eq!(created, stored);
    assert_eq!(stored.event_sequence, 1);
}
