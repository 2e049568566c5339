/** MCP server ids: lowercase, no `__` (the namespacing separator), short enough to leave room for tool names. */
export const SERVER_ID_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$';
