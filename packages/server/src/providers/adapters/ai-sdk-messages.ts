import { jsonSchema, type ModelMessage, type ToolSet } from 'ai';
import type { ChatMessage, ToolDefinition } from '../types.js';

/**
 * Our chat messages in the AI SDK's shape: a user message's pictures as image parts after its
 * text. Tool results need the tool's name (Gemini sends it back as `functionResponse.name`),
 * which our messages only carry on the assistant's call.
 * @example toModelMessages([{ role: 'user', content: 'Hi' }]) // [{ role: 'user', content: 'Hi' }]
 */
export function toModelMessages(
  messages: ChatMessage[],
  options: { leadingSystemOnly?: boolean } = {},
): ModelMessage[] {
  const toolNames = new Map<string, string>();
  let leading = true;
  return messages.map((message) => {
    if (message.role !== 'system') leading = false;
    else if (!leading && options.leadingSystemOnly) {
      // Vendors that take instructions only up front still get them, as a note on the user's side.
      return { role: 'user', content: `[Instructions: ${message.content}]` };
    }
    return toModelMessage(message, toolNames);
  });
}

function toModelMessage(message: ChatMessage, toolNames: Map<string, string>): ModelMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      if (!message.images?.length) return { role: 'user', content: message.content };
      // Pictures go as image parts after the text; each vendor package writes its own wire form.
      return {
        role: 'user',
        content: [
          ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
          ...message.images.map((image) => ({
            type: 'image' as const,
            image: image.data,
            mediaType: image.mediaType,
          })),
        ],
      };
    case 'assistant': {
      if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
      for (const call of message.toolCalls) toolNames.set(call.toolCallId, call.toolName);
      return {
        role: 'assistant',
        content: [
          ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
          ...message.toolCalls.map((call) => ({
            type: 'tool-call' as const,
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            input: call.input,
          })),
        ],
      };
    }
    case 'tool': {
      const toolCallId = message.toolCallId ?? '';
      return {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId,
            toolName: message.toolName ?? toolNames.get(toolCallId) ?? 'tool',
            output: { type: message.isError ? 'error-text' : 'text', value: message.content },
          },
        ],
      };
    }
  }
}

/**
 * Tool definitions without `execute`: the AI SDK then reports each call and stops, and the
 * caller (the chat service) decides what to run.
 * @example toToolSet([{ name: 'get_time', description: 'Current time', inputSchema: { type: 'object' } }])
 */
export function toToolSet(tools: ToolDefinition[] | undefined): ToolSet | undefined {
  if (!tools?.length) return undefined;
  return Object.fromEntries(
    tools.map((tool) => [
      tool.name,
      { description: tool.description, inputSchema: jsonSchema(tool.inputSchema) },
    ]),
  );
}
