/** Importing this module runs the load-time self-check of every declaration (see self-check.ts). */
import { checkAllLayouts } from './self-check.js';

checkAllLayouts();
