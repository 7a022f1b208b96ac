/** `auth-emulator schema`: the JSON Schema of auth.config.yaml. */
import { configJsonSchema } from '../../config/json-schema.js';

export async function run(): Promise<void> {
  console.log(JSON.stringify(configJsonSchema(), null, 2));
}
