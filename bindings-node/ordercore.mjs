// The package's ES module entry: the CommonJS entry's exports, by name (`import { Engine } from
// 'ordercore'`) and as the default export. One module instance serves both: the addon is loaded
// once whichever way it is imported.
import ordercore from './ordercore.js'

export const { Engine, Pricer, Quote, Relay, amountFields, checkStore, correlated, errorCodes, priceRequest, signWebhook } = ordercore
export default ordercore
