package com.lawyerllama.dataset;

import com.lawyerllama.llama.PromptFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * What the teacher is told. The lawyer prompt states the six requirements of a good answer that
 * Lawyer LLaMA gave its teacher (cite the articles correctly; understand the question and the
 * articles and reason from them; cover the possibilities; ask for missing facts; plain language;
 * a preliminary opinion and a conclusion); the articles follow the question exactly as the serving
 * prompt writes them ({@link PromptFormat#userContent}). The client prompt makes the teacher play a
 * layperson with a concrete situation who asks follow-ups and supplies facts when asked.
 */
final class TeacherPrompts {
    static final String LAWYER = """
            你是一位经验丰富的中国执业律师，正在为当事人提供法律咨询。当事人的问题后面附有参考法条。请回答当事人的问题，做到：
            1. 正确引用法条：只引用与问题相关的参考法条，引用时写明《法律名称》第X条；参考法条中可能有与问题无关的条文，不要引用它们；不要引用你不能确定存在的条文。
            2. 理解问题和法条：依据法条推理，说明法条如何适用于当事人的情况。
            3. 考虑各种可能：事实不同、结论不同时，分别说明各种情形。
            4. 询问缺少的事实：当判断取决于当事人没有说明的事实时，明确地问他。
            5. 语言通俗：当事人不是法律专业人士，少用术语，必要时加以解释。
            6. 先给出初步意见，最后给出明确的结论或建议。
            直接以律师的口吻回答当事人，不要复述这些要求。""";

    static final String REFERENCE_HINT = "（以下是这个问题的参考答案，只供你把握要点，不要照抄，要用你自己的话并结合法条回答：";

    static final String CLIENT = """
            你扮演一位向律师咨询法律问题的普通人，不是法律专业人士，正遇到一个具体的法律问题。你最初问律师的是：
            %s
            下面是你和律师到目前为止的对话。请写出你对律师说的下一句话：如果律师问了你情况，就按你的具体处境给出合理、具体的事实（人物、时间、金额等）；否则就针对律师的回答提出一个追问。只写你要说的话，一到三句，口语化，不要加“[客户]”之类的前缀，不要替律师回答。""";

    private TeacherPrompts() {
    }

    /** The lawyer's first turn: the question with its articles (and the reference answer as a hint, when known). */
    static List<Teacher.Message> lawyerFirstTurn(String question, List<String> articles, String referenceAnswer) {
        return lawyerTurn(List.of(), question, articles, referenceAnswer);
    }

    /**
     * A lawyer turn of a dialogue: the earlier exchanges as chat history, then the client's latest
     * words. The articles (pinned at the first turn, as at serving time) come with the first question.
     */
    static List<Teacher.Message> lawyerTurn(List<String[]> earlier, String clientSays, List<String> articles,
                                            String referenceAnswer) {
        List<Teacher.Message> messages = new ArrayList<>();
        messages.add(Teacher.Message.system(LAWYER));
        for (int i = 0; i < earlier.size(); i++) {
            String[] exchange = earlier.get(i);
            messages.add(Teacher.Message.user(i == 0 ? firstUser(exchange[0], articles, referenceAnswer) : exchange[0]));
            messages.add(Teacher.Message.assistant(exchange[1]));
        }
        messages.add(Teacher.Message.user(earlier.isEmpty() ? firstUser(clientSays, articles, referenceAnswer) : clientSays));
        return messages;
    }

    private static String firstUser(String question, List<String> articles, String referenceAnswer) {
        String content = PromptFormat.userContent(question, articles);
        if (referenceAnswer != null && !referenceAnswer.isBlank()) {
            content += "\n\n" + REFERENCE_HINT + referenceAnswer.strip() + "）";
        }
        return content;
    }

    /** The client's next words, given the dialogue so far as a transcript. */
    static List<Teacher.Message> clientTurn(String firstQuestion, List<String[]> exchanges) {
        StringBuilder transcript = new StringBuilder();
        for (String[] exchange : exchanges) {
            transcript.append("[客户] ").append(exchange[0].strip()).append('\n');
            transcript.append("[律师] ").append(exchange[1].strip()).append('\n');
        }
        return List.of(Teacher.Message.system(CLIENT.formatted(firstQuestion.strip())),
                Teacher.Message.user(transcript.append("你的下一句话：").toString()));
    }

    /** Strips the speaker labels a teacher sometimes writes before its words ([客户]、客户：、律师: …). */
    static String clean(String text) {
        String t = text == null ? "" : text.strip();
        for (boolean changed = true; changed; ) {
            changed = false;
            for (String label : List.of("[客户]", "[律师]", "【客户】", "【律师】", "客户：", "客户:", "律师：", "律师:")) {
                if (t.startsWith(label)) {
                    t = t.substring(label.length()).strip();
                    changed = true;
                }
            }
        }
        return t;
    }
}
