// The parts of a Lambda function name or ARN that CloudWatch and the tags need.

/** `arn:aws:lambda:<region>:<account>:function:<name>` (config/lambda.ts has already refused qualifiers) */
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)$/;

/** The function's plain name, as CloudWatch's FunctionName dimension has it, from a name or an ARN. */
export function functionNameOf(nameOrArn: string): string {
  return FUNCTION_ARN.exec(nameOrArn)?.[1] ?? nameOrArn;
}
