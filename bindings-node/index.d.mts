// Types of the ES module entry (`ordercore.mjs`): those of the CommonJS entry, by name and as the
// default export.
export * from './index.js'
import * as ordercore from './index.js'
export default ordercore
