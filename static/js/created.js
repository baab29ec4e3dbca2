// The "workshop created" page: copy the control link.
import { wireCopyButtons } from './dom.js';

wireCopyButtons(document);
