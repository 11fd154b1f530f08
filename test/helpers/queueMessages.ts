import { parseProtectionRequest, type ProtectionRequest } from '../../src/lib/messages/protectionRequest';

/**
 * A queue message as the app writes it (base64 JSON) read back as a protection request, the way the host hands it on.
 */
export function decodeQueueMessage(messageText: string): ProtectionRequest {
  return parseProtectionRequest(Buffer.from(messageText, 'base64').toString('utf8'));
}
