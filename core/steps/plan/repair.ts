/**
 * The messages that send an invalid answer back to the model for repair.
 *
 * Converse requires every `toolUse` of an assistant message to be answered by a
 * `toolResult` in the next user message, so each call gets one: the problems of
 * the calls that were wrong (status `error`), and a note on the calls that were
 * fine but did not run because the answer as a whole was rejected.
 */
import type { ContentBlock, Message } from '../../model/model.js';
import { describeProblem, type ModelOutputProblem } from './proposals.js';

const NOT_RUN =
  'Not run: other calls in this answer were invalid. Send the whole answer again with every call corrected.';

/**
 * The assistant turn to put back into the conversation. Converse rejects an
 * empty assistant message, so an empty answer is represented by a marker text.
 */
export function assistantTurn(answer: Message): Message {
  return answer.content.length > 0
    ? { role: 'assistant', content: answer.content }
    : { role: 'assistant', content: [{ text: '(no answer)' }] };
}

/**
 * The user turn that reports an answer's problems.
 *
 * @param answer the assistant message that was rejected
 * @param problems what {@link parseModelOutput} found wrong with it
 */
export function repairTurn(answer: Message, problems: readonly ModelOutputProblem[]): Message {
  const content: ContentBlock[] = [];
  for (const block of answer.content) {
    if (!('toolUse' in block)) continue;
    const { toolUseId } = block.toolUse;
    const own = problems.filter((problem) => problem.toolUseId === toolUseId);
    content.push({
      toolResult: {
        toolUseId,
        content:
          own.length > 0 ? own.map((problem) => ({ text: describeProblem(problem) })) : [{ text: NOT_RUN }],
        status: 'error',
      },
    });
  }
  const general = problems.filter((problem) => problem.toolUseId === undefined);
  if (general.length > 0 || content.length === 0) {
    const lines = general.length > 0 ? general.map(describeProblem) : ['The answer could not be used.'];
    content.push({
      text: `Your answer was rejected:\n- ${lines.join('\n- ')}\nAnswer again with tool calls only.`,
    });
  }
  return { role: 'user', content };
}
