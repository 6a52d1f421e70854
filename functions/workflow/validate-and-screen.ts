/** ValidateAndScreen task: `{ orderId }` → `{ outcome, holdReason?, holdTimeoutSeconds? }` (ResultPath $.screen). */
import { OrderTaskInput } from '../core/schemas/workflow';
import { validateAndScreen } from '../core/services/validate-and-screen';
import { taskHandler, workflowDeps } from './task';

const deps = workflowDeps();

export const handler = taskHandler('ValidateAndScreen', OrderTaskInput, (input) => validateAndScreen(deps, input));
