'use strict'
// The store contract: `await checkStore(store)` checks a host store — empty when called — against
// the core's one store contract (`ordercore::store_contract`, the same rules Rust and Python
// stores are checked by) and rejects with an Error naming the rule broken: a change set is all or
// nothing; versions start at 1 and grow by one; a record's key is taken once; the outbox hands
// out undelivered events oldest first, at most `limit`, positions growing and never reused;
// orders are listed by (created_at, id), filtered and paged by the cursor.

const { checkStore } = require('./index.js')

module.exports = { checkStore }
