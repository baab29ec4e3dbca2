// The connect package's renderers, by kind name (see static/js/kinds.js).
import { combine } from '/static/js/kinds.js';
import phone from './phone.js';
import screens from './screens.js';

export default combine(phone, screens);
