/** ivadomed-web's version (package.json), for version_info.log and run records. */
import { version } from '../package.json';

export const VERSION: string = version;
