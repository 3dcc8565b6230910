//! sizes
fn main() {
    println!(
        "document {} plan_versions {} subscription {} invoice {}",
        std::mem::size_of::<ordercore::store::Document>(),
        std::mem::size_of::<ordercore::billing::PlanVersions>(),
        std::mem::size_of::<ordercore::billing::Subscription>(),
        std::mem::size_of::<ordercore::billing::Invoice>()
    );
}
