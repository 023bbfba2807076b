// Node (CommonJS): `require` gives the same types.
import pim = require('@pim-engine/pim');

const engine = new pim.Engine();
export const active: boolean = engine.check('user1', '29232cdf-9323-42fd-ade2-1d097af3e4de');
export const replay: typeof pim.Engine.fromEvents = pim.Engine.fromEvents;
